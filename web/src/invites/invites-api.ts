import { ApiError, post } from '../lib/api.js';
import { personText } from '../lib/person.js';

type Invitee = { username: string; displayName: string };

/** `POST /api/rooms/:name/invites`: the invitee gets a DM with a Join link, good for 15 minutes. */
export async function sendInvite(room: string, username: string): Promise<{ room: string; expiresAt: string }> {
  return (await post<{ invite: { room: string; expiresAt: string } }>(`/api/rooms/${encodeURIComponent(room)}/invites`, { username })).invite;
}

/** Why an invite was refused, in words for beside the field. */
export function inviteRefusal(err: unknown, who: Invitee): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Try again.';
  switch (err.code) {
    case 'blocked':
      return `${personText(who)} does not accept messages from you, so they cannot be invited.`;
    case 'unknown_user':
      return `There is no one called @${who.username} any more.`;
    case 'rate_limited':
      return `You have sent many invites lately. Try again in ${err.retryAfter ?? 60} s.`;
    case 'not_a_member':
      return 'Join the room first, then invite someone into it.';
    case 'private_room':
      return 'A call is between its two people; nobody can be invited into it.';
    case 'room_not_found':
      return 'This room no longer exists.';
    default:
      return err.message;
  }
}
