/**
 * A person in plain text, for announcements and labels: `Alice (@alice)`. The display name is
 * anyone's choice (two people can both be "Alice"); the @username is unique. In the page a
 * person is drawn by `PersonName` (web/src/ui/PersonName.tsx).
 */
export function personText(user: { username: string; displayName: string }): string {
  return `${user.displayName} (@${user.username})`;
}
