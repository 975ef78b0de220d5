import { readFileSync } from 'node:fs';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type mysql from 'mysql2/promise';
import { migrationsFolder } from './migrate.js';

/** drizzle-orm's default, which src/db/migrate.ts keeps. */
const MIGRATIONS_TABLE = '__drizzle_migrations';
const ER_BAD_DB_ERROR = 1049;

/**
 * Why a database is not one this version of Parley migrated, in one sentence, or null when it
 * is: it exists, has drizzle's migrations table, and that table holds exactly the migrations in
 * `drizzle/`, in order, each recorded as drizzle's migrator records it (the SHA-256 of the SQL
 * file and the journal's `when`). Only reads: for tools that must never create or migrate a
 * database themselves (the admin command), since a server starting at the same time would.
 */
export async function migrationProblem(pool: mysql.Pool, databaseName: string): Promise<string | null> {
  const expected = readMigrationFiles({ migrationsFolder });
  const tags = (JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: Array<{ tag: string }> }).entries.map((e) => e.tag);
  let tables: unknown;
  try {
    [tables] = await pool.query('SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?', [MIGRATIONS_TABLE]);
  } catch (err) {
    if ((err as { errno?: number }).errno === ER_BAD_DB_ERROR) return `database "${databaseName}" does not exist`;
    throw err;
  }
  if ((tables as unknown[]).length === 0) return `database "${databaseName}" has no ${MIGRATIONS_TABLE} table: Parley never migrated it`;
  const [rows] = await pool.query(`SELECT hash, created_at FROM \`${MIGRATIONS_TABLE}\` ORDER BY created_at, id`);
  const applied = rows as Array<{ hash: string; created_at: string | number }>;
  for (let i = 0; i < Math.min(applied.length, expected.length); i++) {
    const row = applied[i]!;
    const migration = expected[i]!;
    if (row.hash !== migration.hash || Number(row.created_at) !== migration.folderMillis) {
      return `database "${databaseName}" recorded migration ${i + 1} differently from drizzle/${tags[i]}.sql (another version of Parley, or an edited file)`;
    }
  }
  if (applied.length < expected.length) {
    return `database "${databaseName}" has ${applied.length} of the ${expected.length} migrations in drizzle/ (the first missing is ${tags[applied.length]})`;
  }
  if (applied.length > expected.length) {
    return `database "${databaseName}" has ${applied.length} migrations applied, more than the ${expected.length} in drizzle/: a newer Parley migrated it`;
  }
  return null;
}
