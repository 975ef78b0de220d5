import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiter } from '../auth/rate-limit.js';
import { closeRedis, connectRedis, createRedis, keySpace } from '../redis/client.js';
import { deleteKeys, TEST_REDIS_PREFIX, testRedisTarget } from '../test/services.js';
import { createEventLimit } from './event-limit.js';

describe('per-user event limits (real Redis)', () => {
  const redis = createRedis(testRedisTarget(), 'parley-test-event-limit');
  const key = keySpace(`${TEST_REDIS_PREFIX}event-limit:${process.pid}:${Date.now()}:`);
  beforeAll(() => connectRedis(redis));
  afterAll(async () => {
    await deleteKeys(redis, key('*'));
    await closeRedis(redis);
  });

  /** The real limiter, with its calls to Redis counted. */
  function counted(): { limiter: RateLimiter; hits: () => number } {
    const real = createRateLimiter(redis, key);
    let hits = 0;
    return {
      limiter: {
        ...real,
        hit: (name, limit) => {
          hits += 1;
          return real.hit(name, limit);
        },
      },
      hits: () => hits,
    };
  }

  it('asks Redis at most `max` times per window however many events come, in one process', async () => {
    const { limiter, hits } = counted();
    const typing = createEventLimit(limiter, 'typing', { max: 5, windowSeconds: 10 });
    const outcomes = await Promise.all(Array.from({ length: 2000 }, () => typing.take(1)));
    expect(outcomes.filter(Boolean)).toHaveLength(5);
    expect(hits()).toBe(5);
    // Another user has a window of their own.
    expect(await typing.take(2)).toBe(true);
  });

  it('holds across processes: two processes together let through `max`', async () => {
    const one = counted();
    const two = counted();
    const a = createEventLimit(one.limiter, 'read', { max: 6, windowSeconds: 10 });
    const b = createEventLimit(two.limiter, 'read', { max: 6, windowSeconds: 10 });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).take(7)));
    expect(outcomes.filter(Boolean)).toHaveLength(6);
    expect(one.hits() + two.hits()).toBeLessThanOrEqual(12);
  });
});
