import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../test/harness.js';
import { TEST_DB_PREFIX, TEST_MYSQL_ROOT, databaseUrl } from '../test/services.js';

/**
 * A managed MySQL (RDS, Cloud SQL, PlanetScale…) typically gives Parley an account that may use
 * one database, made by the operator, and create none. Parley must start on such an account.
 */
const name = `${TEST_DB_PREFIX}limited`;
const user = `${TEST_DB_PREFIX}lim`.slice(0, 32);
const password = randomBytes(12).toString('hex');
let root: mysql.Connection;

beforeAll(async () => {
  root = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await root.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await root.query('DROP USER IF EXISTS ?@?', [user, '127.0.0.1']);
  await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
  await root.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO ?@?`, [user, '127.0.0.1']);
});
afterAll(async () => {
  await root.query('DROP USER IF EXISTS ?@?', [user, '127.0.0.1']);
  await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await root.end();
});

describe('an account limited to one existing database', () => {
  it('may create no other database, yet the server starts on it, migrates it and serves', async () => {
    const url = new URL(databaseUrl(name));
    url.username = user;
    url.password = password;
    url.hostname = '127.0.0.1';
    const limited = await mysql.createConnection({ uri: url.toString() });
    try {
      await expect(limited.query(`CREATE DATABASE \`${name}_other\``)).rejects.toMatchObject({ code: 'ER_DBACCESS_DENIED_ERROR' });
    } finally {
      await limited.end();
    }

    const server = await startTestServer({ DATABASE_URL: url.toString() });
    try {
      const signup = await server.client().post('/api/auth/signup', { username: `lim${Date.now() % 1e9}`, password: 'password123' });
      expect(signup.status).toBe(201);
      const [tables] = await root.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ?', [name]);
      expect(Number(tables[0]!.n)).toBeGreaterThan(3);
    } finally {
      await server.stop();
    }
  });
});

describe('replicas starting together on a new database', () => {
  it('take turns to migrate it, and all start', async () => {
    const fresh = `${TEST_DB_PREFIX}together`;
    await root.query(`DROP DATABASE IF EXISTS \`${fresh}\``);
    try {
      const started = await Promise.allSettled([0, 1, 2].map(() => startTestServer({ DATABASE_URL: databaseUrl(fresh) })));
      for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(['started', 'started', 'started']);
    } finally {
      await root.query(`DROP DATABASE IF EXISTS \`${fresh}\``);
    }
  });
});
