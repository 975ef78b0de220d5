/**
 * A person as others see them, in JSX: the display name (anyone may choose it) in <bdi>, then the
 * unique `@username`. The same shape as lib/person.ts's `personName` for the plain-DOM screens.
 */
export function PersonName({ user, suffix = '' }: { user: { username: string; displayName: string }; suffix?: string }) {
  return (
    <span class="person">
      <bdi>{user.displayName}</bdi>
      {suffix} <span class="handle">@{user.username}</span>
    </span>
  );
}
