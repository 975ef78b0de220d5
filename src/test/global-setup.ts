import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { startRedisCluster } from './redis-cluster.js';
import { TEST_DB_PREFIX, TEST_MYSQL_ROOT, TEST_REDIS_PREFIX, TEST_REDIS_URL } from './services.js';

/**
 * Runs once before all test files: checks that the real services are there
 * (with a clear message when not) and drops the databases a previous run
 * left, so every run starts from empty, freshly migrated databases.
 */
export default async function setup() {
  // The servers under test serve the web client from dist/web: build it from the current source.
  // TEST_SKIP_WEB_BUILD=1 skips it (a second test run on the same tree, with dist/web already built).
  // It is built as `npm run build` builds it: vitest sets NODE_ENV=test, under which Vite would build
  // the development JSX runtime in (larger than what ships, and over the bundle's size limit sooner).
  const { build } = await import('vite');
  if (process.env.TEST_SKIP_WEB_BUILD !== '1') {
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: new URL('../../web/vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
  }

  let conn: Awaited<ReturnType<typeof mysql.createConnection>>;
  try {
    conn = await mysql.createConnection({ uri: TEST_MYSQL_ROOT, connectTimeout: 5000 });
  } catch (err) {
    throw new Error(`tests need MySQL/MariaDB at ${TEST_MYSQL_ROOT}: ${(err as Error).message}`);
  }
  try {
    const [rows] = await conn.query('SHOW DATABASES LIKE ?', [`${TEST_DB_PREFIX}%`]);
    for (const row of rows as Array<Record<string, string>>) {
      const name = Object.values(row)[0]!;
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  } finally {
    await conn.end();
  }

  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    // Test keys all live under TEST_REDIS_PREFIX and are dropped before each run.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${TEST_REDIS_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch (err) {
    throw new Error(`tests need Redis at ${TEST_REDIS_URL}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }

  // `npm run test:cluster`: the servers under test use a real six-node Redis Cluster, started
  // here for the whole run (unless TEST_REDIS_CLUSTER_NODES names one), and stopped after it.
  // The workers inherit the variable (src/test/services.ts).
  if (process.env.TEST_REDIS === 'cluster' && !process.env.TEST_REDIS_CLUSTER_NODES) {
    const cluster = await startRedisCluster();
    process.env.TEST_REDIS_CLUSTER_NODES = cluster.nodes.join(',');
    return async () => {
      delete process.env.TEST_REDIS_CLUSTER_NODES;
      await cluster.stop();
    };
  }
  return undefined;
}
