import type { KeySpace, Redis } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import { spreadTags } from '../redis/spread-tags.js';

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
 *
 * The deadlines are split over PARTITIONS sorted sets, under hash tags spread
 * over a Redis Cluster's slots, and a user's key carries the tag of the
 * partition its id falls in: each script touches one slot, and the users,
 * their heartbeats and the sweeping are spread over the cluster's nodes.
 */

const PARTITIONS = 16;
const TAGS = spreadTags('pr', PARTITIONS);
const tagOf = (userId: number) => TAGS[userId % PARTITIONS]!;

/** The key that exists while the user is online. */
export function presenceKey(key: KeySpace, userId: number): string {
  return key('presence', `{${tagOf(userId)}}`, 'user', userId);
}

/** The sorted set of the deadlines (`<userId>/<socketId>` → ms) of the users whose ids fall in this partition. */
function deadlinesKey(key: KeySpace, tag: string): string {
  return key('presence', `{${tag}}`, 'deadlines');
}

/** Groups `items` by the presence partition of their user. */
function byPartition<T>(items: T[], userOf: (item: T) => number): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const tag = tagOf(userOf(item));
    const group = groups.get(tag);
    if (group) group.push(item);
    else groups.set(tag, [item]);
  }
  return groups;
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
  const deadlines = (userId: number) => deadlinesKey(key, tagOf(userId));
  const member = (userId: number, socketId: string) => `${userId}/${socketId}`;
  // Three renewals per timeout: a socket survives a missed renewal or two.
  const renewEveryMs = Math.max(100, Math.floor(timeoutMs / 3));
  // Often enough that a dead process's users go offline soon after their deadline.
  const sweepEveryMs = Math.max(100, Math.min(5000, Math.floor(timeoutMs / 6)));

  const presence = {
    renewEveryMs,

    /** Records a socket; true when it is the user's first (the user just came online). */
    async connect(userId: number, socketId: string): Promise<boolean> {
      const before = await CONNECT.run(redis, [presenceKey(key, userId), deadlines(userId)], [socketId, Date.now() + timeoutMs, member(userId, socketId)]);
      return Number(before) === 0;
    },

    /** Forgets a socket; true when it was the user's last (the user just went offline). */
    async disconnect(userId: number, socketId: string): Promise<boolean> {
      const left = await DISCONNECT.run(redis, [presenceKey(key, userId), deadlines(userId)], [socketId, member(userId, socketId), '']);
      return Number(left) === 0;
    },

    /** Renews the deadlines of sockets this process holds; never re-adds a removed one. One pipeline per partition. */
    async renew(sockets: HeldSocket[]): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      await Promise.all(
        [...byPartition(sockets, (s) => s.userId)].map(async ([tag, group]) => {
          const pipeline = redis.pipeline();
          for (const s of group) {
            pipeline.zadd(presenceKey(key, s.userId), 'XX', deadline, s.socketId);
            pipeline.zadd(deadlinesKey(key, tag), 'XX', deadline, member(s.userId, s.socketId));
          }
          await pipeline.exec();
        }),
      );
    },

    /** Removes sockets whose deadline passed (their process died), up to `limit` per partition; returns the users who went offline. */
    async sweep(limit = 200): Promise<number[]> {
      const now = Date.now();
      const offline = await Promise.all(
        TAGS.map(async (tag) => {
          const partition = deadlinesKey(key, tag);
          const due = await redis.zrangebyscore(partition, '-inf', now, 'LIMIT', 0, limit);
          const gone: number[] = [];
          for (const entry of due) {
            const slash = entry.indexOf('/');
            const userId = Number(entry.slice(0, slash));
            const socketId = entry.slice(slash + 1);
            if (!Number.isSafeInteger(userId) || userId < 0) {
              await redis.zrem(partition, entry);
              continue;
            }
            const left = await DISCONNECT.run(redis, [presenceKey(key, userId), partition], [socketId, entry, now]);
            if (Number(left) === 0) gone.push(userId);
          }
          return gone;
        }),
      );
      return offline.flat();
    },

    /** Of `userIds`, those online now. One pipeline per partition. */
    async online(userIds: number[]): Promise<Set<number>> {
      const online = new Set<number>();
      await Promise.all(
        [...byPartition(userIds, (id) => id)].map(async ([, ids]) => {
          const pipeline = redis.pipeline();
          for (const id of ids) pipeline.exists(presenceKey(key, id));
          const results = (await pipeline.exec()) ?? [];
          results.forEach(([err, exists], i) => {
            if (!err && exists === 1) online.add(ids[i]!);
          });
        }),
      );
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
