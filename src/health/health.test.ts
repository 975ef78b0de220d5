import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { parseConfig } from '../config/config.js';
import { createDatabase } from '../db/client.js';
import { createLogger } from '../logging/logger.js';
import { createRedis } from '../redis/client.js';
import { startTestServer, workerDatabaseUrl, TEST_ORIGIN, type TestServer } from '../test/harness.js';
import { testRedisTarget } from '../test/services.js';
import { connectRedis } from '../redis/client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** An app wired to a MySQL or Redis that is not there: port 1 on loopback refuses connections. */
async function appWith({ mysqlUp, redisUp }: { mysqlUp: boolean; redisUp: boolean }) {
  const config = parseConfig({ ORIGIN: TEST_ORIGIN, LOG_LEVEL: 'silent' });
  const database = createDatabase(mysqlUp ? workerDatabaseUrl() : 'mysql://root@127.0.0.1:1/parley', { connectTimeoutMs: 1000 });
  const redis = createRedis(redisUp ? testRedisTarget() : 'redis://127.0.0.1:1');
  if (redisUp) await connectRedis(redis);
  else redis.connect().catch(() => {});
  const parley = createApp({ config, database, redis, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
  return {
    request: (path: string, init?: RequestInit) => parley.app.request(path, init),
    close: async () => {
      await parley.close();
      redis.disconnect();
      await database.close();
    },
  };
}

describe('GET /api/health', () => {
  it('answers 200 {ok: true, mysql: "up", redis: "up"} without a session', async () => {
    const res = await server.client().get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, mysql: 'up', redis: 'up' });
  });

  it('answers 503 naming redis when Redis is unreachable', async () => {
    const app = await appWith({ mysqlUp: true, redisUp: false });
    try {
      const res = await app.request('/api/health');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, mysql: 'up', redis: 'down', error: { code: 'dependency_down' } });
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming mysql when MySQL is unreachable, promptly', async () => {
    const app = await appWith({ mysqlUp: false, redisUp: true });
    try {
      const started = Date.now();
      const res = await app.request('/api/health');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, mysql: 'down', redis: 'up' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await app.close();
    }
  });

  it('answers 503 with 503 unavailable, not 500, when a route needs a dependency that is down', async () => {
    const app = await appWith({ mysqlUp: false, redisUp: true });
    try {
      const res = await app.request('/api/me', { headers: { cookie: `parley_session=${'a'.repeat(32)}` } });
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe('unavailable');
      expect(res.headers.get('retry-after')).toBe('2');
    } finally {
      await app.close();
    }
  });
});
