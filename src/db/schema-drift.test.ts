import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import { afterAll, expect, it } from 'vitest';
import { TEST_DB_PREFIX, TEST_MYSQL_ROOT, databaseUrl } from '../test/services.js';
import { createDatabase } from './client.js';
import { ensureDatabaseExists, migrationsFolder } from './migrate.js';

/*
 * schema.ts and drizzle/ must describe the same database, both ways:
 * - drizzle-kit diffs schema.ts against the latest snapshot in drizzle/meta: if they differ,
 *   `npm run db:generate` writes a migration nobody asked for;
 * - the snapshots are only what drizzle-kit believes the SQL did: SQL written by hand (0003 and
 *   0004 were) can do what no snapshot says, so the database the migrations build is compared
 *   with the one schema.ts alone builds.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'parley-drift-'));
const fromMigrations = `${TEST_DB_PREFIX}drift_mig`;
const fromSchema = `${TEST_DB_PREFIX}drift_schema`;

afterAll(async () => {
  const root = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  for (const name of [fromMigrations, fromSchema]) await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await root.end();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Runs `drizzle-kit generate` with the project's config, writing into `work/<dir>` instead of
 * drizzle/, and returns what it printed. It runs in `work`, the out folder given relative to it:
 * drizzle-kit reads an existing out folder's snapshots by a path it prefixes with "./".
 */
async function generateInto(dir: string): Promise<string> {
  const config = join(work, `${dir}.config.ts`);
  writeFileSync(
    config,
    [
      `import base from ${JSON.stringify(join(repo, 'drizzle.config.ts'))};`,
      `export default { ...base, schema: ${JSON.stringify(join(repo, 'src/db/schema.ts'))}, out: ${JSON.stringify(`./${dir}`)} };`,
    ].join('\n'),
  );
  // A change that could be a rename makes drizzle-kit ask on a terminal, and there is none here, so
  // it fails. Some of its failures (a snapshot it cannot read) still exit with 0: the callers
  // check what it printed or wrote.
  const { stdout, stderr } = await promisify(execFile)(join(repo, 'node_modules/.bin/drizzle-kit'), ['generate', '--config', config], {
    cwd: work,
    timeout: 90_000,
  });
  return `${stdout}${stderr}`;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

it('drizzle-kit generate finds nothing to write: schema.ts matches the latest snapshot', { timeout: 120_000 }, async () => {
  const out = join(work, 'copy');
  cpSync(migrationsFolder, out, { recursive: true });
  const before = filesUnder(out);
  const printed = await generateInto('copy');
  const added = filesUnder(out).filter((f) => !before.includes(f));
  const sql = added.filter((f) => f.endsWith('.sql')).map((f) => `${f}:\n${readFileSync(join(out, f), 'utf8')}`);
  expect(sql.join('\n'), 'schema.ts differs from drizzle/meta: run `npm run db:generate`, or fix the schema').toBe('');
  expect(added).toEqual([]);
  // What drizzle-kit says when it compared and found nothing; an error would print otherwise.
  expect(printed).toContain('No schema changes');
});

type Described = { tables: string[]; columns: string[]; indexes: string[]; constraints: string[]; foreignKeys: string[] };

/** What a database has, in names and types, ignoring the order things were created in. */
async function describeDatabase(name: string): Promise<Described> {
  const conn = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  try {
    const skip = "'__drizzle_migrations'";
    const q = async (sql: string) => ((await conn.query(sql, [name]))[0] as unknown[]).map((r) => JSON.stringify(r));
    return {
      tables: await q(`SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ${skip} ORDER BY 1`),
      columns: await q(
        `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, CHARACTER_SET_NAME, COLLATION_NAME, EXTRA
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ${skip} ORDER BY 1, 2`,
      ),
      indexes: await q(
        `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS COLS
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ${skip} GROUP BY 1, 2, 3 ORDER BY 1, 2`,
      ),
      constraints: await q(
        `SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS
         WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME <> ${skip} ORDER BY 1, 2`,
      ),
      foreignKeys: await q(
        `SELECT r.TABLE_NAME, r.CONSTRAINT_NAME, r.REFERENCED_TABLE_NAME, r.UPDATE_RULE, r.DELETE_RULE,
           GROUP_CONCAT(k.COLUMN_NAME, '->', k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION) AS COLS
         FROM information_schema.REFERENTIAL_CONSTRAINTS r
         JOIN information_schema.KEY_COLUMN_USAGE k
           ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.TABLE_NAME = r.TABLE_NAME AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME
         WHERE r.CONSTRAINT_SCHEMA = ? GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2`,
      ),
    };
  } finally {
    await conn.end();
  }
}

async function migrated(name: string, folder: string): Promise<Described> {
  const root = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await root.end();
  await ensureDatabaseExists(databaseUrl(name));
  const database = createDatabase(databaseUrl(name));
  try {
    await migrate(database.db, { migrationsFolder: folder });
  } finally {
    await database.close();
  }
  return describeDatabase(name);
}

it('the migrations build the database schema.ts describes', { timeout: 120_000 }, async () => {
  // schema.ts alone, as one fresh migration: what a new project with this schema would get.
  const fresh = join(work, 'fresh');
  mkdirSync(fresh);
  const printed = await generateInto('fresh');
  expect(
    filesUnder(fresh).filter((f) => f.endsWith('.sql')),
    printed,
  ).toHaveLength(1);
  const expected = await migrated(fromSchema, fresh);
  const actual = await migrated(fromMigrations, migrationsFolder);
  expect(actual.columns.length).toBeGreaterThan(0);
  expect(actual).toEqual(expected);
});
