import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { sessions, users, type UserRow } from '../db/schema.js';

/**
 * Sessions after Lucia's design: the client holds a random token, the
 * database holds only its SHA-256. Expiry slides: a session used in the
 * second half of its life is extended to a full lifetime again.
 */

export type Session = { id: string; userId: number; expiresAt: Date };
export type SessionUser = Pick<UserRow, 'id' | 'username' | 'displayName'>;
export type SessionValidation = { session: Session; user: SessionUser; renewed: boolean };

const DAY_MS = 24 * 60 * 60 * 1000;
// 20 random bytes = 160 bits of entropy, 32 characters of base32.
const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export function generateSessionToken(): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));
}

/** The id under which a token's session is stored: hex SHA-256 of the token. */
export function sessionIdFromToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export async function createSession(db: Db, token: string, userId: number, lifetimeDays: number): Promise<Session> {
  const now = Date.now();
  const session: Session = {
    id: sessionIdFromToken(token),
    userId,
    expiresAt: new Date(now + lifetimeDays * DAY_MS),
  };
  await db.insert(sessions).values({ ...session, createdAt: new Date(now) });
  return session;
}

/** Whether a cookie value can be a session token at all; garbage never reaches the database. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export async function validateSessionToken(
  db: Db,
  token: string,
  lifetimeDays: number,
  options: { renew?: boolean } = {},
): Promise<SessionValidation | null> {
  if (!isWellFormedToken(token)) return null;
  const id = sessionIdFromToken(token);
  const rows = await db
    .select({
      expiresAt: sessions.expiresAt,
      userId: users.id,
      username: users.username,
      displayName: users.displayName,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id))
    .limit(1);
  const row = rows[0];
  if (!row) return null;

  const now = Date.now();
  if (now >= row.expiresAt.getTime()) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  const session: Session = { id, userId: row.userId, expiresAt: row.expiresAt };
  const lifetimeMs = lifetimeDays * DAY_MS;
  let renewed = false;
  if (options.renew !== false && now >= row.expiresAt.getTime() - lifetimeMs / 2) {
    session.expiresAt = new Date(now + lifetimeMs);
    await db.update(sessions).set({ expiresAt: session.expiresAt }).where(eq(sessions.id, id));
    renewed = true;
  }
  return {
    session,
    user: { id: row.userId, username: row.username, displayName: row.displayName },
    renewed,
  };
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

export async function invalidateUserSessions(db: Db, userId: number): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
}

/** Removes expired rows; validation already ignores them, this only keeps the table small. */
export async function deleteExpiredSessions(db: Db): Promise<number> {
  const [result] = await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  return result.affectedRows;
}
