import { and, asc, eq, isNull, like, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { users, type UserRow } from '../db/schema.js';

/** The public shape of a user in every API answer. */
export type PublicUser = { id: number; username: string; displayName: string };

export function toPublicUser(row: Pick<UserRow, 'id' | 'username' | 'displayName'>): PublicUser {
  return { id: row.id, username: row.username, displayName: row.displayName };
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0];
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(eq(users.username, username)).limit(1);
  return rows[0];
}

/** Inserts a user; a taken name surfaces as the driver's duplicate-key error. */
export async function insertUser(db: Db, values: { username: string; displayName: string; passwordHash: string }): Promise<PublicUser> {
  const [result] = await db.insert(users).values({ ...values, createdAt: new Date() });
  return { id: result.insertId, username: values.username, displayName: values.displayName };
}

export async function updateDisplayName(db: Db, userId: number, displayName: string): Promise<PublicUser | undefined> {
  await db.update(users).set({ displayName }).where(eq(users.id, userId));
  const rows = await db.select({ id: users.id, username: users.username, displayName: users.displayName }).from(users).where(eq(users.id, userId)).limit(1);
  return rows[0];
}

/**
 * People search: usernames that start with `query` (lower-cased), and display names that start
 * with it or have a word that does ("ann" finds "Ann Lee" and "Mary Ann"). Display names compare
 * case- and accent-insensitively through the column's utf8mb4_general_ci collation. Username
 * matches come first, then by username; `%`, `_` and `\` in the query are literal. Deleted
 * accounts are left out.
 */
export async function searchUsers(db: Db, query: string, limit: number): Promise<PublicUser[]> {
  const escaped = query.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  const byUsername = like(users.username, `${escaped.toLowerCase()}%`);
  return db
    .select({ id: users.id, username: users.username, displayName: users.displayName })
    .from(users)
    .where(and(or(byUsername, like(users.displayName, `${escaped}%`), like(users.displayName, `% ${escaped}%`)), isNull(users.deletedAt)))
    .orderBy(sql`case when ${byUsername} then 0 else 1 end`, asc(users.username))
    .limit(limit);
}
