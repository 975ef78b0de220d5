import { randomBytes } from 'node:crypto';
import { parseConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { startServer, type RunningServer } from '../server.js';
import { TEST_DB_PREFIX, TEST_REDIS_PREFIX, databaseUrl, testRedisEnv } from './services.js';
import { TestClient } from './client.js';

/** The origin test servers believe they are served from; test clients send it as `Origin`. */
export const TEST_ORIGIN = 'http://parley.test';

/** This worker's database: created and migrated by the first server a test file starts. */
export function workerDatabaseUrl(): string {
  return databaseUrl(`${TEST_DB_PREFIX}${process.env.VITEST_POOL_ID ?? '0'}`);
}

/** A Redis prefix of its own, so rate limits and fan-out of one test never meet another's. */
export function uniquePrefix(): string {
  return `${TEST_REDIS_PREFIX}${process.env.VITEST_POOL_ID ?? '0'}:${randomBytes(4).toString('hex')}:`;
}

export type TestServer = RunningServer & {
  config: Config;
  baseUrl: string;
  client(origin?: string | null): TestClient;
};

/**
 * Starts the real server (database creation, migrations, Redis, HTTP) on a
 * random loopback port. `env` takes the same variables as the process.
 */
export async function startTestServer(env: Record<string, string> = {}, logger?: Logger): Promise<TestServer> {
  // A test that brings a Redis of its own (REDIS_URL or REDIS_CLUSTER_NODES in `env`) gets that
  // one alone, never the suite's Redis or cluster as well.
  const redis = env.REDIS_URL || env.REDIS_CLUSTER_NODES ? {} : testRedisEnv();
  const config = parseConfig({
    DATABASE_URL: workerDatabaseUrl(),
    ...redis,
    REDIS_PREFIX: uniquePrefix(),
    HOST: '127.0.0.1',
    PORT: '0',
    ORIGIN: TEST_ORIGIN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_TIMEOUT_MS: '2000',
    // Tests sign up many accounts from one address; the signup limit has its own test.
    SIGNUP_MAX_PER_IP: '100000',
    ...env,
  });
  const running = await startServer(config, logger ?? createLogger(config.logLevel));
  const baseUrl = `http://127.0.0.1:${running.port}`;
  return {
    ...running,
    config,
    baseUrl,
    client: (origin: string | null = config.origin) => new TestClient(baseUrl, origin),
  };
}

let counter = 0;
/** A username no other test (or earlier run) has used. */
export function uniqueUsername(stem = 'user'): string {
  counter += 1;
  return `${stem}${counter}_${randomBytes(3).toString('hex')}`.slice(0, 32);
}

/**
 * Several servers sharing one database and one Redis prefix: one Parley deployment of many
 * processes. `logger`, when given, is shared by all of them (e.g. one whose output a fault watch reads).
 */
export async function startTestCluster(count: number, env: Record<string, string> = {}, logger?: Logger): Promise<TestServer[]> {
  const shared = { REDIS_PREFIX: uniquePrefix(), ...env };
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) servers.push(await startTestServer(shared, logger));
  return servers;
}
