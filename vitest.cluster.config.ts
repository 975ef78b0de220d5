import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The Redis-dependent test files again, with every server they start on a real six-node Redis
 * Cluster (three masters, three replicas) that the global setup starts for the run
 * (`TEST_REDIS=cluster`, set by `npm run test:cluster`). Left out: files that bring a Redis of
 * their own (a restarted server, a cluster whose master they kill), files that touch no Redis,
 * the few listed below whose subject is not Redis, and the browser files, which drive the same
 * HTTP and Socket.IO paths as the files here. `npm test` runs one browser file on the cluster as
 * well, in its browser lane (scripts/run-tests.ts): a call through the UI.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['src/**/*.test.ts'],
    exclude: [
      // Bring their own Redis.
      'src/resilience/redis-restart.test.ts',
      'src/rooms/lobby-redis.test.ts',
      'src/redis/cluster.test.ts',
      'src/resilience/cluster-failover.test.ts',
      // Start `npm start`-like processes on REDIS_URL, to test the start-up itself.
      'src/main.test.ts',
      // What these test does not change with where Redis is: HTTP parsing and hostile input
      // (they reach Redis through the same calls the files here make), processes killed or
      // restarted, and latency under floods, compared within one run on one machine. They run
      // once, on the single Redis; here they would only add minutes and CPU contention.
      'src/http/no-5xx.test.ts',
      'src/http/hostile-input.test.ts',
      'src/http/slow-requests.test.ts',
      'src/resilience/crash.test.ts',
      'src/resilience/rolling-restart.test.ts',
      'src/deploy/proxy.test.ts',
      // What a process counts does not depend on where Redis is.
      'src/metrics/*.test.ts',
      'src/health/ready.test.ts',
      'src/logging/request-id.test.ts',
      'src/rooms/flood-latency.test.ts',
      // A load run (its subject is throughput; bench:cluster measures the cluster), and the
      // account flows, whose time goes to argon2 and whose Redis calls are the rate limiter's
      // (src/auth/rate-limit.test.ts runs here).
      'src/resilience/load.test.ts',
      'src/auth/auth.test.ts',
      // Waits out a ringing call's grace periods; the call keys' cluster paths are in
      // src/dm/calls.test.ts, which runs here.
      'src/dm/caller-gone.test.ts',
      'src/rooms/password-flood.test.ts',
      'src/dm/flood.test.ts',
      // No Redis.
      'src/deploy/compose.test.ts',
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
