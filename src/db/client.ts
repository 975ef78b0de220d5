import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import * as schema from './schema.js';

export type Db = MySql2Database<typeof schema>;

export type Database = {
  db: Db;
  pool: mysql.Pool;
  close(): Promise<void>;
};

type PoolOptions = {
  connectionLimit?: number;
  /** How long a query waits for a connection, so a dead server fails fast instead of hanging. */
  connectTimeoutMs?: number;
};

/** Opens a connection pool on `url`. Nothing is sent until the first query. */
export function createDatabase(url: string, options: PoolOptions = {}): Database {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: options.connectionLimit ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // Dates are written and read as UTC whatever the server's time zone.
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    enableKeepAlive: true,
    // Queue at most this many callers for a connection; past it they fail fast.
    queueLimit: 1000,
  });
  const db = drizzle(pool, { schema, mode: 'default' });
  return {
    db,
    pool,
    async close() {
      await pool.end();
    },
  };
}

/** MySQL's error number for a duplicate key on a unique index. */
const ER_DUP_ENTRY = 1062;

export function isDuplicateKeyError(err: unknown): boolean {
  let e: unknown = err;
  // drizzle wraps driver errors; the original is on `cause`.
  for (let depth = 0; e && depth < 3; depth++) {
    if (typeof e === 'object' && (e as { errno?: number }).errno === ER_DUP_ENTRY) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
