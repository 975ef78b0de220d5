import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq, isNull, lt, ne } from 'drizzle-orm';
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
/** `lastUsedAt` is this coarse: a busy session costs at most one write a minute for it. */
const LAST_USED_RESOLUTION_MS = 60_000;
const USER_AGENT_MAX = 255;
// 20 random bytes = 160 bits of entropy, 32 characters of base32.
const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export function generateSessionToken(): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));
}

/** The id under which a token's session is stored: hex SHA-256 of the token. */
export function sessionIdFromToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** A session's public name: 128 random bits, unrelated to the token. */
function generatePublicSessionId(): string {
  return encodeHexLowerCase(crypto.getRandomValues(new Uint8Array(16)));
}

export async function createSession(db: Db, token: string, userId: number, lifetimeDays: number, userAgent?: string | null): Promise<Session> {
  const now = Date.now();
  const session: Session = {
    id: sessionIdFromToken(token),
    userId,
    expiresAt: new Date(now + lifetimeDays * DAY_MS),
  };
  await db.insert(sessions).values({
    ...session,
    createdAt: new Date(now),
    lastUsedAt: new Date(now),
    publicId: generatePublicSessionId(),
    userAgent: truncateUserAgent(userAgent),
  });
  return session;
}

/** Only shown to the user to tell their sessions apart; a long header is cut, not refused. */
function truncateUserAgent(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  // Cut by code points and drop control characters, so what is stored is printable text.
  const clean = userAgent.replace(/\p{Cc}/gu, '');
  return [...clean].slice(0, USER_AGENT_MAX).join('') || null;
}

/** Whether a cookie value can be a session token at all; garbage never reaches the database. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export async function validateSessionToken(db: Db, token: string, lifetimeDays: number, options: { renew?: boolean } = {}): Promise<SessionValidation | null> {
  if (!isWellFormedToken(token)) return null;
  const id = sessionIdFromToken(token);
  const rows = await db
    .select({
      expiresAt: sessions.expiresAt,
      lastUsedAt: sessions.lastUsedAt,
      userId: users.id,
      username: users.username,
      displayName: users.displayName,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    // A login that raced the account's deletion may have written a session for the tombstone.
    .where(and(eq(sessions.id, id), isNull(users.deletedAt)))
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
  if (options.renew !== false) {
    // One write carries both the sliding expiry and "last used"; most uses need neither.
    const renew = now >= row.expiresAt.getTime() - lifetimeMs / 2;
    const touch = !row.lastUsedAt || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
    if (renew) session.expiresAt = new Date(now + lifetimeMs);
    if (renew || touch) {
      await db
        .update(sessions)
        .set({ expiresAt: session.expiresAt, lastUsedAt: new Date(now) })
        .where(eq(sessions.id, id));
    }
    renewed = renew;
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

type SessionListing = { id: string; publicId: string; createdAt: Date; lastUsedAt: Date | null; userAgent: string | null };

/** The user's unexpired sessions, newest first. */
export async function listUserSessions(db: Db, userId: number): Promise<SessionListing[]> {
  const rows = await db
    .select({
      id: sessions.id,
      publicId: sessions.publicId,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      userAgent: sessions.userAgent,
      expiresAt: sessions.expiresAt,
    })
    .from(sessions)
    .where(eq(sessions.userId, userId));
  const now = Date.now();
  return rows
    .filter((r) => r.expiresAt.getTime() > now)
    .map(({ expiresAt: _, ...r }) => r)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/**
 * Deletes the user's sessions (all, or all but `keep`, or only the one with
 * `publicId`) and returns the ids of those deleted, so that each can be ended
 * everywhere. Only rows this call deleted are returned: ids are read, then
 * deleted by id, and the count of each delete says whether it was this call's.
 */
export async function deleteUserSessions(db: Db, userId: number, which: { keep?: string; publicId?: string } = {}): Promise<string[]> {
  const conditions = [eq(sessions.userId, userId)];
  if (which.keep) conditions.push(ne(sessions.id, which.keep));
  if (which.publicId !== undefined) conditions.push(eq(sessions.publicId, which.publicId));
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(...conditions));
  const ended: string[] = [];
  for (const { id } of rows) {
    const [result] = await db.delete(sessions).where(and(eq(sessions.id, id), eq(sessions.userId, userId)));
    if (result.affectedRows > 0) ended.push(id);
  }
  return ended;
}

/** Removes expired rows; validation already ignores them, this only keeps the table small. */
export async function deleteExpiredSessions(db: Db): Promise<number> {
  const [result] = await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  return result.affectedRows;
}
