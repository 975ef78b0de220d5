import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import { afterAll, expect, it } from 'vitest';
import { generateSessionToken, sessionIdFromToken, validateSessionToken } from '../auth/session.js';
import { TEST_DB_PREFIX, TEST_MYSQL_ROOT, databaseUrl } from '../test/services.js';
import { createDatabase, type Database } from './client.js';
import { ensureDatabaseExists, migrationsFolder } from './migrate.js';

// A database of its own, migrated in two steps: as a deployment from before 0004 was, then on.
const name = `${TEST_DB_PREFIX}mig0004`;
const folder = mkdtempSync(join(tmpdir(), 'parley-mig-'));
let database: Database | undefined;

afterAll(async () => {
  await database?.close();
  const root = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await root.end();
  rmSync(folder, { recursive: true, force: true });
});

it('0004 keeps existing sessions signed in and gives each its own public id', async () => {
  const root = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await root.end();
  await ensureDatabaseExists(databaseUrl(name));
  database = createDatabase(databaseUrl(name));

  // Migrations 0000-0003 only.
  cpSync(migrationsFolder, folder, { recursive: true });
  const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 3);
  writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify(journal));
  await migrate(database.db, { migrationsFolder: folder });

  const [user] = (await database.pool.query(
    "INSERT INTO users (username, display_name, password_hash, created_at) VALUES ('legacy', 'Legacy', 'x', NOW(3))",
  )) as any;
  const tokens = [generateSessionToken(), generateSessionToken()];
  for (const t of tokens) {
    await database.pool.query('INSERT INTO sessions (id, user_id, expires_at, created_at) VALUES (?, ?, ?, NOW(3))', [
      sessionIdFromToken(t),
      user.insertId,
      new Date(Date.now() + 86_400_000),
    ]);
  }

  await migrate(database.db, { migrationsFolder });
  const [rows] = (await database.pool.query('SELECT public_id FROM sessions ORDER BY id')) as any;
  expect(rows).toHaveLength(2);
  for (const r of rows) expect(r.public_id).toMatch(/^[0-9a-f]{32}$/);
  expect(rows[0].public_id).not.toBe(rows[1].public_id);
  for (const t of tokens) expect(await validateSessionToken(database.db, t, 30)).not.toBeNull();
  // The unique index holds from now on.
  await expect(database.pool.query('UPDATE sessions SET public_id = ?', [rows[0].public_id])).rejects.toThrow(/Duplicate/);
});
