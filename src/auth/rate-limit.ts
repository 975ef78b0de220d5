import type { KeySpace, Redis } from '../redis/client.js';

/**
 * Fixed-window counters in Redis, shared by every Parley process. A Lua
 * script adds to the counter, starts its window when the key is new and
 * returns the count with the seconds left in the window.
 *
 * Hits on the same counter that arrive in the same turn of the event loop
 * (a burst of messages from one user, say) share one script call: the
 * counter goes up by their number at once, and each hit learns the count it
 * would have seen on its own (first, second, … of the group), so the
 * outcome is exactly that of one call per hit, at a fraction of the cost.
 */

const HIT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

export type Limit = { max: number; windowSeconds: number };
type LimitState = { allowed: boolean; count: number; retryAfterSeconds: number };

export type RateLimiter = {
  /** Counts one hit against `name`. */
  hit(name: string, limit: Limit): Promise<LimitState>;
  /** Reads the count without adding to it. */
  peek(name: string, limit: Limit): Promise<LimitState>;
  reset(name: string): Promise<void>;
};

type Waiter = { resolve: (s: LimitState) => void; reject: (e: unknown) => void };
type Group = { name: string; limit: Limit; waiters: Waiter[] };
type HitCommand = (key: string, windowSeconds: number, by: number) => Promise<[number, number]>;

/** `onRefused` hears of every hit over its limit, by the name it was counted under (for metrics). */
export function createRateLimiter(redis: Redis, key: KeySpace, onRefused?: (name: string) => void): RateLimiter {
  // EVALSHA with a fallback to EVAL: the script's text crosses the wire once.
  if (!('parleyRateHit' in redis)) redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: HIT });
  const hitCommand = (redis as unknown as { parleyRateHit: HitCommand }).parleyRateHit.bind(redis);

  let groups = new Map<string, Group>();

  function flush() {
    const current = groups;
    groups = new Map();
    for (const [redisKey, group] of current) {
      const n = group.waiters.length;
      hitCommand(redisKey, group.limit.windowSeconds, n).then(
        ([count, ttl]) => {
          // The group's hits took the counts count-n+1 … count, in the order they arrived.
          group.waiters.forEach((w, i) => {
            const mine = count - n + i + 1;
            const allowed = mine <= group.limit.max;
            if (!allowed) onRefused?.(group.name);
            w.resolve({ allowed, count: mine, retryAfterSeconds: Math.max(1, ttl) });
          });
        },
        (err) => {
          for (const w of group.waiters) w.reject(err);
        },
      );
    }
  }

  return {
    hit(name, limit) {
      const redisKey = key('rl', name);
      return new Promise<LimitState>((resolve, reject) => {
        if (groups.size === 0) setImmediate(flush);
        let group = groups.get(redisKey);
        if (!group) {
          group = { name, limit, waiters: [] };
          groups.set(redisKey, group);
        }
        group.waiters.push({ resolve, reject });
      });
    },
    async peek(name, limit) {
      const [value, ttl] = await redis
        .multi()
        .get(key('rl', name))
        .ttl(key('rl', name))
        .exec()
        .then((r) =>
          (r ?? []).map(([err, v]) => {
            if (err) throw err;
            return v;
          }),
        );
      const count = Number(value ?? 0);
      return { allowed: count < limit.max, count, retryAfterSeconds: Math.max(1, Number(ttl)) };
    },
    async reset(name) {
      await redis.del(key('rl', name));
    },
  };
}
