import type { DmSession } from '../dm/dm-session.js';
import { inviteEnds, rememberInvite } from './pending-invites.js';

/**
 * Remembers each invite that arrives while Parley is open, so that opening its room by any way
 * (the lobby, a link, Join) goes straight in. Returns what stops it.
 */
export function watchInvites(session: DmSession): () => void {
  return session.onIncoming((m) => {
    const ends = m.kind === 'invite' && m.invite ? inviteEnds(m) : undefined;
    if (ends !== undefined) rememberInvite(session.me.username, m.invite!.room, ends);
  });
}
