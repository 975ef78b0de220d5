import type { KeySpace, Redis } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';

/**
 * Who is online, across processes: written by the `/dm` sockets of every
 * process, read by user search and the conversation list. Each user with open
 * direct-message sockets has a sorted set of them (socket id → deadline) at
 * `presence:user:<id>`; the key exists exactly while the user is online. The
 * process holding a socket renews its deadline (the heartbeat); if the
 * process dies, the deadline passes and any process's sweep removes the
 * socket, so a crash cannot leave anyone online forever. Scripts report the
 * transitions (first socket in, last socket out) so that exactly one process
 * announces each.
 */

/** The key that exists while the user is online. */
export function presenceKey(key: KeySpace, userId: number): string {
  return key('presence', 'user', userId);
}

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

type HeldSocket = { userId: number; socketId: string };

/** `timeoutMs`: how long a socket stays online without being renewed (DM_PRESENCE_TIMEOUT_MS). */
export function createPresence(redis: Redis, key: KeySpace, timeoutMs: number) {
  const deadlines = key('presence', 'deadlines');
  const member = (userId: number, socketId: string) => `${userId}/${socketId}`;
  // Three renewals per timeout: a socket survives a missed renewal or two.
  const renewEveryMs = Math.max(100, Math.floor(timeoutMs / 3));
  // Often enough that a dead process's users go offline soon after their deadline.
  const sweepEveryMs = Math.max(100, Math.min(5000, Math.floor(timeoutMs / 6)));

  const presence = {
    renewEveryMs,

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
    async renew(sockets: HeldSocket[]): Promise<void> {
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

    /** Of `userIds`, those online now. */
    async online(userIds: number[]): Promise<Set<number>> {
      if (userIds.length === 0) return new Set();
      const pipeline = redis.pipeline();
      for (const id of userIds) pipeline.exists(presenceKey(key, id));
      const results = (await pipeline.exec()) ?? [];
      const online = new Set<number>();
      results.forEach(([err, exists], i) => {
        if (!err && exists === 1) online.add(userIds[i]!);
      });
      return online;
    },

    /**
     * The heartbeat of a process holding sockets: renews the sockets `held()`
     * returns, and sweeps those of dead processes, calling `wentOffline` for
     * each user a sweep took offline. Failures (Redis down) wait for the next
     * beat. Returns what stops it.
     */
    heartbeat(held: () => HeldSocket[], wentOffline: (userId: number) => void): () => void {
      const renew = setInterval(() => {
        const sockets = held();
        if (sockets.length > 0) presence.renew(sockets).catch(() => {});
      }, renewEveryMs);
      const sweep = setInterval(() => {
        presence
          .sweep()
          .then((offline) => offline.forEach(wentOffline))
          .catch(() => {});
      }, sweepEveryMs);
      renew.unref();
      sweep.unref();
      return () => {
        clearInterval(renew);
        clearInterval(sweep);
      };
    },
  };
  return presence;
}

export type Presence = ReturnType<typeof createPresence>;
