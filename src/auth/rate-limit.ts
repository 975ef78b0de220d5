import type { KeySpace, Redis } from '../redis/client.js';

/**
 * Fixed-window counters in Redis, shared by every Parley process. One round
 * trip per check: a Lua script increments the counter, starts its window on
 * the first hit and returns the count with the seconds left in the window.
 */

const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

export type Limit = { max: number; windowSeconds: number };
export type LimitState = { allowed: boolean; count: number; retryAfterSeconds: number };

export type RateLimiter = {
  /** Counts one hit against `name`. */
  hit(name: string, limit: Limit): Promise<LimitState>;
  /** Reads the count without adding to it. */
  peek(name: string, limit: Limit): Promise<LimitState>;
  reset(name: string): Promise<void>;
};

export function createRateLimiter(redis: Redis, key: KeySpace): RateLimiter {
  return {
    async hit(name, limit) {
      const [count, ttl] = (await redis.eval(HIT, 1, key('rl', name), limit.windowSeconds)) as [number, number];
      return { allowed: count <= limit.max, count, retryAfterSeconds: Math.max(1, ttl) };
    },
    async peek(name, limit) {
      const [value, ttl] = await redis.multi().get(key('rl', name)).ttl(key('rl', name)).exec().then((r) =>
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
