/**
 * A person as other people should see them (in text: personText in lib/person.ts): the display name,
 * which anyone may choose, then the unique `@username`. The name sits in <bdi> so a right-to-left
 * name cannot reorder the handle or the text after it.
 */
export function PersonName({ user, suffix = '' }: { user: { username: string; displayName: string }; suffix?: string }) {
  return (
    <span class="person">
      <bdi>{user.displayName}</bdi>
      {suffix} <span class="handle">{`@${user.username}`}</span>
    </span>
  );
}
