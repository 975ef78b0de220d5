import { afterAll, describe, expect, it } from 'vitest';
import { createRedis, connectRedis, closeRedis, keySpace } from '../redis/client.js';
import { deleteKeys, TEST_REDIS_PREFIX, testRedisTarget } from '../test/services.js';
import { createRateLimiter } from './rate-limit.js';

describe('rate limiter (real Redis)', () => {
  const redis = createRedis(testRedisTarget(), 'parley-test-limiter');
  const key = keySpace(`${TEST_REDIS_PREFIX}limiter:${process.pid}:${Date.now()}:`);
  const limiter = createRateLimiter(redis, key);
  afterAll(async () => {
    await deleteKeys(redis, key('*'));
    await closeRedis(redis);
  });

  it('counts a burst of hits in one turn exactly as if each had gone alone', async () => {
    await connectRedis(redis);
    const limit = { max: 3, windowSeconds: 60 };
    const states = await Promise.all([...Array(5).keys()].map(() => limiter.hit('burst', limit)));
    expect(states.map((s) => s.count)).toEqual([1, 2, 3, 4, 5]);
    expect(states.map((s) => s.allowed)).toEqual([true, true, true, false, false]);
    for (const s of states) expect(s.retryAfterSeconds).toBeGreaterThan(55);
    // The window was started once, by the group, and later hits continue the count.
    expect(await redis.ttl(key('rl', 'burst'))).toBeGreaterThan(55);
    const later = await limiter.hit('burst', limit);
    expect(later).toMatchObject({ count: 6, allowed: false });
  });

  it('keeps counters of different names apart within one burst', async () => {
    const limit = { max: 2, windowSeconds: 30 };
    const [a1, b1, a2, a3] = await Promise.all([limiter.hit('a', limit), limiter.hit('b', limit), limiter.hit('a', limit), limiter.hit('a', limit)]);
    expect([a1!.count, a2!.count, a3!.count, b1!.count]).toEqual([1, 2, 3, 1]);
    expect([a1!.allowed, a2!.allowed, a3!.allowed, b1!.allowed]).toEqual([true, true, false, true]);
    expect(await limiter.peek('a', limit)).toMatchObject({ count: 3, allowed: false });
  });

  it('rejects every hit of a burst when Redis cannot be reached', async () => {
    const down = createRedis('redis://127.0.0.1:1', 'parley-test-limiter-down');
    const offline = createRateLimiter(down, key);
    const results = await Promise.allSettled([offline.hit('x', { max: 1, windowSeconds: 1 }), offline.hit('x', { max: 1, windowSeconds: 1 })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    down.disconnect();
  });
});
