import type { KeySpace, Redis } from '../redis/client.js';
import { LuaScript } from '../signalling/scripts.js';
import { presenceKey } from '../users/presence.js';

/**
 * Who is online, across processes. Each user with open direct-message
 * sockets has a sorted set of them (socket id → deadline) at
 * `presence:user:<id>`; the key exists exactly while the user is online. The
 * process holding a socket renews its deadline; if the process dies, the
 * deadline passes and any process's sweep removes the socket. Scripts report
 * the transitions (first socket in, last socket out) so that exactly one
 * process announces each.
 */

/** KEYS userSet, deadlines; ARGV socketId, deadline, deadlineMember → sockets before */
const CONNECT = new LuaScript(`
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return before
`);

/** KEYS userSet, deadlines; ARGV socketId, deadlineMember, now ('' = unconditionally) → sockets left, or -1 if nothing was removed */
const DISCONNECT = new LuaScript(`
if ARGV[3] ~= '' then
  local deadline = redis.call('ZSCORE', KEYS[2], ARGV[2])
  if not deadline or tonumber(deadline) > tonumber(ARGV[3]) then return -1 end
end
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
return redis.call('ZCARD', KEYS[1])
`);

export function createPresence(redis: Redis, key: KeySpace, timeoutMs: number) {
  const deadlines = key('presence', 'deadlines');
  const member = (userId: number, socketId: string) => `${userId}/${socketId}`;

  return {
    /** Records a socket; true when it is the user's first (the user just came online). */
    async connect(userId: number, socketId: string): Promise<boolean> {
      const before = await CONNECT.run(redis, [presenceKey(key, userId), deadlines], [socketId, Date.now() + timeoutMs, member(userId, socketId)]);
      return Number(before) === 0;
    },

    /** Forgets a socket; true when it was the user's last (the user just went offline). */
    async disconnect(userId: number, socketId: string): Promise<boolean> {
      const left = await DISCONNECT.run(redis, [presenceKey(key, userId), deadlines], [socketId, member(userId, socketId), '']);
      return Number(left) === 0;
    },

    /** Renews the deadlines of sockets this process holds; never re-adds a removed one. */
    async renew(sockets: Array<{ userId: number; socketId: string }>): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      const pipeline = redis.pipeline();
      for (const s of sockets) {
        pipeline.zadd(presenceKey(key, s.userId), 'XX', deadline, s.socketId);
        pipeline.zadd(deadlines, 'XX', deadline, member(s.userId, s.socketId));
      }
      await pipeline.exec();
    },

    /** Removes sockets whose deadline passed (their process died); returns the users who went offline. */
    async sweep(limit = 200): Promise<number[]> {
      const now = Date.now();
      const due = await redis.zrangebyscore(deadlines, '-inf', now, 'LIMIT', 0, limit);
      const offline: number[] = [];
      for (const entry of due) {
        const slash = entry.indexOf('/');
        const userId = Number(entry.slice(0, slash));
        const socketId = entry.slice(slash + 1);
        if (!Number.isSafeInteger(userId)) continue;
        const left = await DISCONNECT.run(redis, [presenceKey(key, userId), deadlines], [socketId, entry, now]);
        if (Number(left) === 0) offline.push(userId);
      }
      return offline;
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
