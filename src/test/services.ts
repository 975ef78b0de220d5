import { Cluster } from 'ioredis';
import type { Redis, RedisTarget } from '../redis/client.js';
/**
 * Where the tests find MySQL and Redis: the same defaults as the app, or
 * TEST_DATABASE_URL / TEST_REDIS_URL. Tests never touch the `parley`
 * database itself; each worker gets `parley_test_<worker>`.
 */
export const TEST_MYSQL_ROOT = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Set (host:port,…) when the tests run against a Redis Cluster (`npm run test:cluster`, whose
 * global setup starts one): the servers the tests start then use it instead of TEST_REDIS_URL.
 */
const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || undefined;

/** The Redis the tests use, for createRedis: TEST_REDIS_URL, or the cluster when there is one. */
export function testRedisTarget(): RedisTarget {
  if (!TEST_REDIS_CLUSTER_NODES) return { url: TEST_REDIS_URL };
  return {
    cluster: TEST_REDIS_CLUSTER_NODES.split(',').map((n) => {
      const [host, port] = n.split(':') as [string, string];
      return { host, port: Number(port) };
    }),
  };
}

/** The keys matching `pattern`, from every master of a cluster. */
export async function keysMatching(redis: Redis, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  return (await Promise.all(nodes.map((node) => node.keys(pattern)))).flat();
}

/** Deletes the keys matching `pattern`, on every master of a cluster. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  // One by one: on a cluster the keys are in different slots.
  for (const k of await keysMatching(redis, pattern)) await redis.del(k);
}

/** The Redis the servers under test use: a server's environment, REDIS_URL or REDIS_CLUSTER_NODES. */
export function testRedisEnv(): { REDIS_URL: string } | { REDIS_CLUSTER_NODES: string } {
  return TEST_REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES } : { REDIS_URL: TEST_REDIS_URL };
}
/**
 * Names of test databases and Redis keys start with these. `TEST_RUN_TAG`
 * changes them, so that two test runs on one machine (a developer's and a
 * helper's, say) never drop each other's databases or keys.
 */
function runTag(raw: string | undefined): string {
  if (!raw) return '';
  // Letters and digits only, since the tag becomes part of database names: "i11-room" is read as "i11room".
  const t = raw.toLowerCase().replace(/[^a-z0-9]/g, '');
  // A tag that cannot be used must not silently fall back to the shared names.
  if (!/^[a-z0-9]{1,16}$/.test(t)) throw new Error(`TEST_RUN_TAG must have 1-16 letters or digits, got ${JSON.stringify(raw)}`);
  return `${t}_`;
}
const tag = runTag(process.env.TEST_RUN_TAG);
export const TEST_DB_PREFIX = `parley_${tag}test_`;
export const TEST_REDIS_PREFIX = `parley_${tag}test:`;

export function databaseUrl(name: string): string {
  const u = new URL(TEST_MYSQL_ROOT);
  u.pathname = `/${name}`;
  return u.toString();
}
