import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The Redis-dependent test files again, with every server they start on a real six-node Redis
 * Cluster (three masters, three replicas) that the global setup starts for the run
 * (`TEST_REDIS=cluster`, set by `npm run test:cluster`). Left out: files that bring a Redis of
 * their own (a restarted server, a cluster whose master they kill), files that touch no Redis,
 * and the browser files, which drive the same HTTP and Socket.IO paths as the files here do
 * and run once, on the single Redis; web/test/calls.test.ts stays in, as the browser call on a
 * cluster.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['src/**/*.test.ts', 'web/test/calls.test.ts'],
    exclude: [
      // Bring their own Redis.
      'src/resilience/redis-restart.test.ts',
      'src/rooms/lobby-redis.test.ts',
      'src/redis/cluster.test.ts',
      'src/resilience/cluster-failover.test.ts',
      // Start `npm start`-like processes on REDIS_URL, to test the start-up itself.
      'src/main.test.ts',
      // No Redis.
      'src/config/config.test.ts',
      'src/db/*.test.ts',
      'src/redis/key-slot.test.ts',
      'src/redis/spread-tags.test.ts',
      'src/rooms/events.test.ts',
      'src/rooms/room-keys.test.ts',
      'src/dm/adapter-parser.test.ts',
      'src/auth/password-queue.test.ts',
    ],
  },
});
