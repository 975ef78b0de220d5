import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import type { Database } from './client.js';

/** `drizzle/` at the repository root, whether running from src/ (tsx) or dist/src/ (built). */
export const migrationsFolder = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../drizzle' : '../../drizzle', import.meta.url));

/**
 * Creates the database named in `url` when it does not exist yet, in utf8mb4
 * so every user's text (emoji included) round-trips. A database that exists
 * is left alone without asking for CREATE: a managed MySQL's account often
 * may use its one database and create no other.
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(name)) {
    throw new Error(`database name "${name}" in DATABASE_URL is not a plain identifier`);
  }
  try {
    const existing = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
    await existing.end();
    return;
  } catch (err) {
    // Anything but "no such database" (refused, bad password, no right to it) is the answer.
    if ((err as { code?: string }).code !== 'ER_BAD_DB_ERROR') throw err;
  }
  u.pathname = '/';
  const conn = await mysql.createConnection({ uri: u.toString(), connectTimeout: 5000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

const MIGRATION_LOCK = 'parley_migrations';
const MIGRATION_LOCK_WAIT_S = 120;

/**
 * Applies every migration in `drizzle/` that this database has not seen yet. Replicas that start
 * together (compose starts both at once) take turns under a named lock: the first migrates, the
 * others then find nothing left to do, instead of creating the same tables at the same time.
 */
export async function runMigrations(database: Database): Promise<void> {
  const holder = await database.pool.getConnection();
  try {
    const [rows] = await holder.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [MIGRATION_LOCK, MIGRATION_LOCK_WAIT_S]);
    if (Number(rows[0]?.got) !== 1) throw new Error(`another process held the migration lock for over ${MIGRATION_LOCK_WAIT_S} s`);
    try {
      await migrate(database.db, { migrationsFolder });
    } finally {
      await holder.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]).catch(() => {});
    }
  } finally {
    holder.release();
  }
}
