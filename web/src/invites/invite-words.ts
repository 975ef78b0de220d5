import type { DirectMessage } from '../lib/types.js';

/**
 * What a conversation list, a toast or a notification says of an invite entry ("Invite to
 * standup"), whose body is empty; undefined for any other message.
 */
export function inviteSummary(m: DirectMessage): string | undefined {
  if (m.kind !== 'invite') return undefined;
  return m.invite ? `Invite to ${m.invite.room}` : 'Invite';
}
