import { eq, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rooms, sessions, userBlocks, users } from '../db/schema.js';
import type { RoomState } from '../rooms/live-state.js';
import type { Lobby } from '../rooms/lobby.js';
import { listRoomsOwnedBy } from '../rooms/store.js';
import type { EndSession } from './end-session.js';
import type { SessionCache } from './session-cache.js';

/** What a deleted account is shown as, wherever the other side of a conversation still sees it. */
const DELETED_DISPLAY_NAME = 'Deleted user';

type DeleteAccountDeps = {
  db: Db;
  rooms: Pick<RoomState, 'close'>;
  lobby: Pick<Lobby, 'roomDeleted'>;
  endSession: EndSession;
  sessionCache: Pick<SessionCache, 'revokeUser'>;
};

/**
 * Deletes an account, as `DELETE /api/me` does and as the admin command's `delete-user` does:
 * its rooms close, the row becomes a tombstone, its blocks and sessions go, and every process
 * ends its sessions and re-reads the user. Returns how many rooms and sessions ended.
 */
export async function deleteAccount(deps: DeleteAccountDeps, userId: number): Promise<{ rooms: number; sessions: number }> {
  const { db } = deps;
  // The account's rooms close for whoever is in them, as if the owner had deleted each.
  // Redis first, as in DELETE /api/rooms/:name: a retry after a failure finds what is left.
  const owned = await listRoomsOwnedBy(db, userId);
  for (const room of owned) await deps.rooms.close(room.name);
  // The row stays as a tombstone (see docs/api.md): no password can match an empty hash
  // (login never checks a deleted account's hash anyway), the name stays taken, and what
  // others see of the person is reduced to the name.
  const ended = await db.transaction(async (tx) => {
    await tx.delete(rooms).where(eq(rooms.ownerId, userId));
    await tx.update(users).set({ deletedAt: new Date(), displayName: DELETED_DISPLAY_NAME, passwordHash: '' }).where(eq(users.id, userId));
    await tx.delete(userBlocks).where(or(eq(userBlocks.blockerId, userId), eq(userBlocks.blockedId, userId)));
    const rows = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId));
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    return rows.map((r) => r.id);
  });
  for (const id of ended) await deps.endSession({ id, userId });
  // Every lobby drops the rooms, as after their owner's own deletion of each.
  for (const room of owned) await deps.lobby.roomDeleted(room);
  // Every process re-reads the user: cached sessions go, and the DM directory learns the
  // account is gone, so messages to it are refused as to an unknown name.
  await deps.sessionCache.revokeUser(userId);
  return { rooms: owned.length, sessions: ended.length };
}
