import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, createRedis, keySpace } from '../redis/client.js';
import { deleteKeys, TEST_REDIS_PREFIX, testRedisTarget } from '../test/services.js';
import { createFloodLimiter } from './flood-limit.js';

describe('flood limiter (real Redis)', () => {
  // Two connections and two limiters: two processes of one deployment.
  const redisA = createRedis(testRedisTarget(), 'parley-test-flood-a');
  const redisB = createRedis(testRedisTarget(), 'parley-test-flood-b');
  const key = keySpace(`${TEST_REDIS_PREFIX}flood:${process.pid}:${Date.now()}:`);
  const quick = { refusalDelayMs: 0, syncMs: 20 };
  beforeAll(async () => {
    await connectRedis(redisA);
    await connectRedis(redisB);
  });
  afterAll(async () => {
    await deleteKeys(redisA, key('*'));
    await closeRedis(redisA);
    await closeRedis(redisB);
  });

  it('allows exactly the budget from one process, counting costs, and refuses the rest without asking Redis', async () => {
    const limiter = createFloodLimiter(redisA, key, quick);
    const budget = { max: 20, windowMs: 10_000 };
    const allowed: boolean[] = [];
    for (let i = 0; i < 12; i++) allowed.push((await limiter.take('one', budget, 2)).allowed);
    expect(allowed).toEqual([...Array(10).fill(true), false, false]);
    const refused = await limiter.take('one', budget);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(10);
    // Local refusals leave Redis's count where the last counted take put it.
    const counted = Number(await redisA.get(key('fl', 'one')));
    for (let i = 0; i < 20; i++) await limiter.take('one', budget);
    await new Promise((r) => setTimeout(r, 50));
    expect(Number(await redisA.get(key('fl', 'one')))).toBe(counted);
  });

  it('holds across processes: takes alternating between two go over the budget by little at most', async () => {
    const a = createFloodLimiter(redisA, key, quick);
    const b = createFloodLimiter(redisB, key, quick);
    const budget = { max: 40, windowMs: 10_000 };
    let allowed = 0;
    for (let i = 0; i < 100; i++) if ((await (i % 2 ? a : b).take('two', budget)).allowed) allowed += 1;
    expect(allowed).toBeGreaterThanOrEqual(40);
    expect(allowed).toBeLessThanOrEqual(42);
  });

  it('answers refusals only after the delay, holding a bounded number per budget', async () => {
    const limiter = createFloodLimiter(redisA, key, { refusalDelayMs: 300, maxHeldPerName: 3 });
    const budget = { max: 1, windowMs: 10_000 };
    expect((await limiter.take('held', budget)).allowed).toBe(true);
    const started = performance.now();
    const answeredAfter = await Promise.all(
      Array.from({ length: 5 }, () =>
        limiter.take('held', budget).then((s) => {
          expect(s.allowed).toBe(false);
          return performance.now() - started;
        }),
      ),
    );
    answeredAfter.sort((x, y) => x - y);
    // Two beyond the three held are answered at once.
    expect(answeredAfter[1]!).toBeLessThan(150);
    expect(answeredAfter[2]!).toBeGreaterThanOrEqual(250);
  });
});
