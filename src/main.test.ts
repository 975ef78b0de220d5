import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { runParleyProcess as runMain, waitForListening } from './test/process.js';
import { TEST_DB_PREFIX, TEST_MYSQL_ROOT, TEST_REDIS_PREFIX, TEST_REDIS_URL, databaseUrl } from './test/services.js';

const freshDb = `${TEST_DB_PREFIX}proc_${randomBytes(3).toString('hex')}`;
afterAll(async () => {
  const conn = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  await conn.query(`DROP DATABASE IF EXISTS \`${freshDb}\``);
  await conn.end();
});

describe('the process entry', () => {
  it('creates a missing database in utf8mb4, migrates it, serves, and exits 0 on SIGTERM', async () => {
    const proc = runMain({ DATABASE_URL: databaseUrl(freshDb), REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `${TEST_REDIS_PREFIX}proc:` });
    const port = await waitForListening(proc);
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(await health.json()).toEqual({ ok: true, mysql: 'up', redis: 'up' });

    const conn = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
    const [rows] = await conn.query('SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [freshDb]);
    const [tables] = await conn.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [freshDb]);
    await conn.end();
    expect((rows as Array<{ cs: string }>)[0]?.cs).toBe('utf8mb4');
    expect((tables as Array<{ t: string }>).map((t) => t.t)).toEqual(expect.arrayContaining(['users', 'sessions']));

    // A kept-alive idle connection must not hold the shutdown up.
    await fetch(`http://127.0.0.1:${port}/api/health`, { keepalive: true });
    const started = Date.now();
    proc.kill('SIGTERM');
    expect(await proc.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(proc.stdout()).toContain('"msg":"stopped"');
  });

  it('starts again on an already migrated database', async () => {
    const proc = runMain({ DATABASE_URL: databaseUrl(freshDb), REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `${TEST_REDIS_PREFIX}proc:` });
    await waitForListening(proc);
    proc.kill('SIGINT');
    expect(await proc.exit).toBe(0);
  });

  it.each([
    [{ REDIS_URL: 'redis://127.0.0.1:1' }, 'cannot reach Redis at redis://127.0.0.1:1'],
    [{ DATABASE_URL: 'mysql://root:hunter2@127.0.0.1:1/parley' }, 'cannot reach MySQL at mysql://root:***@127.0.0.1:1/parley'],
    [{ PORT: 'eighty' }, 'invalid configuration: PORT'],
  ])('exits 1 with one clear line when it cannot start (%o)', async (env, message) => {
    const proc = runMain({ DATABASE_URL: databaseUrl(freshDb), REDIS_URL: TEST_REDIS_URL, ...env });
    expect(await proc.exit).toBe(1);
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`parley: ${message}`);
    expect(proc.stderr()).not.toContain('hunter2');
    expect(proc.stderr()).not.toMatch(/\n\s+at /);
  });
});
