import { createSessionEnder, type EndSession } from '../auth/end-session.js';
import { createRateLimiter, type RateLimiter } from '../auth/rate-limit.js';
import { createSessionCache, type SessionCache } from '../auth/session-cache.js';
import { redactUrl, type Config } from '../config/config.js';
import { createDatabase, type Db } from '../db/client.js';
import { migrationProblem } from '../db/migration-check.js';
import { createDmRemote } from '../dm/index.js';
import type { Logger } from '../logging/logger.js';
import { closeRedis, connectRedis, createRedis, keySpace } from '../redis/client.js';
import { createRoomState, type RoomState } from '../rooms/live-state.js';
import { createLobbyAnnouncer } from '../rooms/lobby.js';

/** A failure the operator can act on: printed as one line, exit status 1. */
export class AdminError extends Error {}

/**
 * What the admin commands work with: the same MySQL and Redis as the servers, and the pieces of
 * the server that reach every running process through Redis (session announcements, room
 * state, the lobby channel, the `/dm` adapter). The command serves nothing itself.
 */
export type AdminContext = {
  db: Db;
  state: RoomState;
  lobby: ReturnType<typeof createLobbyAnnouncer>;
  sessionCache: SessionCache;
  endSession: EndSession;
  limiter: RateLimiter;
  close(): Promise<void>;
};

const reason = (err: unknown) => (err as { code?: string }).code ?? (err as Error).message;

/**
 * Connects to MySQL and Redis as `config` says, after checking that the database is one the
 * server migrated (this never creates or migrates one: a server starting meanwhile would race it).
 */
export async function openAdmin(config: Config, logger: Logger): Promise<AdminContext> {
  const database = createDatabase(config.databaseUrl, { connectionLimit: 2 });
  const name = decodeURIComponent(new URL(config.databaseUrl).pathname.replace(/^\//, ''));
  let problem: string | null;
  try {
    problem = await migrationProblem(database.pool, name);
  } catch (err) {
    await database.close().catch(() => {});
    throw new AdminError(`cannot read the database at ${redactUrl(config.databaseUrl)} (${reason(err)})`);
  }
  if (problem) {
    await database.close().catch(() => {});
    throw new AdminError(`${problem}. Start the Parley server once against it to migrate it; this command changes nothing until then.`);
  }
  const redis = createRedis(config.redis, 'parley-admin');
  try {
    await connectRedis(redis);
  } catch (err) {
    redis.disconnect();
    await database.close().catch(() => {});
    throw new AdminError(`cannot reach Redis (${reason(err)})`);
  }
  const key = keySpace(config.redisPrefix);
  const state = createRoomState(redis, key, config.rooms);
  // Caches nothing (ttl 0): here it only announces revocations to the servers.
  const sessionCache = createSessionCache({ publisher: redis, channel: key('sessions'), ttlMs: 0, logger });
  const dm = createDmRemote(redis, key);
  const endSession = createSessionEnder({ sessionCache, holders: [dm], rooms: state, logger });
  return {
    db: database.db,
    state,
    lobby: createLobbyAnnouncer(redis, key, logger),
    sessionCache,
    endSession,
    limiter: createRateLimiter(redis, key),
    async close() {
      await dm.close();
      await closeRedis(redis);
      await database.close().catch(() => {});
    },
  };
}
