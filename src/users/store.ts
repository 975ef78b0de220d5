import { and, asc, eq, isNull, like } from 'drizzle-orm';
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
export async function insertUser(
  db: Db,
  values: { username: string; displayName: string; passwordHash: string },
): Promise<PublicUser> {
  const [result] = await db.insert(users).values({ ...values, createdAt: new Date() });
  return { id: result.insertId, username: values.username, displayName: values.displayName };
}

export async function updateDisplayName(db: Db, userId: number, displayName: string): Promise<PublicUser | undefined> {
  await db.update(users).set({ displayName }).where(eq(users.id, userId));
  const rows = await db
    .select({ id: users.id, username: users.username, displayName: users.displayName })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0];
}

/** Users whose name starts with `prefix`, in name order, deleted accounts left out. Uses the unique index on username. */
export async function searchUsersByPrefix(db: Db, prefix: string, limit: number): Promise<PublicUser[]> {
  const escaped = prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  return db
    .select({ id: users.id, username: users.username, displayName: users.displayName })
    .from(users)
    .where(and(like(users.username, `${escaped}%`), isNull(users.deletedAt)))
    .orderBy(asc(users.username))
    .limit(limit);
}
