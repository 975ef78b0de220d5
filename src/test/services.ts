/**
 * Where the tests find MySQL and Redis: the same defaults as the app, or
 * TEST_DATABASE_URL / TEST_REDIS_URL. Tests never touch the `parley`
 * database itself; each worker gets `parley_test_<worker>`.
 */
export const TEST_MYSQL_ROOT = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * Names of test databases and Redis keys start with these. `TEST_RUN_TAG`
 * changes them, so that two test runs on one machine (a developer's and a
 * helper's, say) never drop each other's databases or keys.
 */
const tag = /^[a-z0-9]{1,16}$/.test(process.env.TEST_RUN_TAG ?? '') ? `${process.env.TEST_RUN_TAG}_` : '';
export const TEST_DB_PREFIX = `parley_${tag}test_`;
export const TEST_REDIS_PREFIX = `parley_${tag}test:`;

export function databaseUrl(name: string): string {
  const u = new URL(TEST_MYSQL_ROOT);
  u.pathname = `/${name}`;
  return u.toString();
}
