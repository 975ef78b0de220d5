import type { Logger } from '../logging/logger.js';
import type { RoomState } from '../rooms/live-state.js';
import type { SessionCache } from './session-cache.js';

/** Something that holds a session's connections open and can end them: /dm sockets, room or lobby streams. */
type SessionHolder = { endSession(sessionId: string): void };

type SessionEnderDeps = {
  sessionCache: Pick<SessionCache, 'revokeSession'>;
  /** Ended directly, in case the Redis announcement is lost; the /dm sockets reach every process through their adapter. */
  holders: SessionHolder[];
  rooms: Pick<RoomState, 'leaveSession'>;
  logger: Logger;
};

/**
 * Ends a session whose row is gone, everywhere: every process's cache (the announcement on the
 * `sessions` channel, which also ends that session's room and lobby streams on each process),
 * whatever the holders hold, and its room members. The server builds one (logout, password
 * change, account deletion); so does the admin command, which serves no connections itself.
 */
export function createSessionEnder({ sessionCache, holders, rooms, logger }: SessionEnderDeps) {
  return async function endSession({ id: sessionId, userId }: { id: string; userId: number }): Promise<void> {
    await sessionCache.revokeSession(sessionId);
    for (const holder of holders) holder.endSession(sessionId);
    // Every member the session holds goes, in every room, whether or not it has a stream
    // (or one still being opened, anywhere): each member-left ends that stream.
    await rooms
      .leaveSession(userId, sessionId)
      .catch((err: Error) => logger.warn({ err: { message: err.message } }, 'could not remove an ended session’s members'));
  };
}

export type EndSession = ReturnType<typeof createSessionEnder>;
