import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/client.js';
import { ensureDatabaseExists, runMigrations } from '../db/migrate.js';
import { sessions } from '../db/schema.js';
import { workerDatabaseUrl, uniqueUsername } from '../test/harness.js';
import { insertUser } from '../users/store.js';
import { createSession, deleteExpiredSessions, generateSessionToken, invalidateUserSessions, sessionIdFromToken, validateSessionToken } from './session.js';

const DAY = 24 * 60 * 60 * 1000;
let database: Database;
let userId: number;

beforeAll(async () => {
  await ensureDatabaseExists(workerDatabaseUrl());
  database = createDatabase(workerDatabaseUrl());
  await runMigrations(database);
  userId = (await insertUser(database.db, { username: uniqueUsername('sess'), displayName: 'S', passwordHash: 'x' })).id;
});
afterAll(async () => {
  await database?.close();
});

async function setExpiry(token: string, expiresAt: Date) {
  await database.db
    .update(sessions)
    .set({ expiresAt })
    .where(eq(sessions.id, sessionIdFromToken(token)));
}

describe('sessions', () => {
  it('makes distinct 160-bit tokens', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateSessionToken));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^[a-z2-7]{32}$/);
  });

  it('validates a fresh session without touching its expiry', async () => {
    const token = generateSessionToken();
    const created = await createSession(database.db, token, userId, 30);
    const result = await validateSessionToken(database.db, token, 30);
    expect(result?.user.id).toBe(userId);
    expect(result?.renewed).toBe(false);
    expect(result?.session.expiresAt.getTime()).toBe(created.expiresAt.getTime());
  });

  it('slides the expiry forward when used in the second half of its life', async () => {
    const token = generateSessionToken();
    await createSession(database.db, token, userId, 30);
    await setExpiry(token, new Date(Date.now() + 10 * DAY));
    const result = await validateSessionToken(database.db, token, 30);
    expect(result?.renewed).toBe(true);
    const [row] = await database.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, sessionIdFromToken(token)));
    expect(row!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
  });

  it('refuses and deletes an expired session', async () => {
    const token = generateSessionToken();
    await createSession(database.db, token, userId, 30);
    await setExpiry(token, new Date(Date.now() - 1000));
    expect(await validateSessionToken(database.db, token, 30)).toBeNull();
    const rows = await database.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, sessionIdFromToken(token)));
    expect(rows).toEqual([]);
  });

  it('cleans expired rows in bulk and can end every session of a user', async () => {
    const stale = generateSessionToken();
    const live = generateSessionToken();
    await createSession(database.db, stale, userId, 30);
    await createSession(database.db, live, userId, 30);
    await setExpiry(stale, new Date(Date.now() - DAY));
    expect(await deleteExpiredSessions(database.db)).toBeGreaterThanOrEqual(1);
    expect(await validateSessionToken(database.db, live, 30)).not.toBeNull();
    await invalidateUserSessions(database.db, userId);
    expect(await validateSessionToken(database.db, live, 30)).toBeNull();
  });
});

describe('renewal opt-out', () => {
  it('leaves the expiry alone when asked not to renew (event streams)', async () => {
    const token = generateSessionToken();
    await createSession(database.db, token, userId, 30);
    const soon = new Date(Date.now() + 10 * DAY);
    await setExpiry(token, soon);
    const result = await validateSessionToken(database.db, token, 30, { renew: false });
    expect(result?.renewed).toBe(false);
    const [row] = await database.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, sessionIdFromToken(token)));
    expect(Math.abs(row!.expiresAt.getTime() - soon.getTime())).toBeLessThan(1000);
  });
});

describe('last used', () => {
  const lastUsed = async (token: string) =>
    (
      await database.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, sessionIdFromToken(token)))
    )[0]!.lastUsedAt!.getTime();
  const setLastUsed = (token: string, at: Date) =>
    database.db
      .update(sessions)
      .set({ lastUsedAt: at })
      .where(eq(sessions.id, sessionIdFromToken(token)));

  it('is written at most once a minute, never by a use that does not renew, and keeps a user agent short', async () => {
    const token = generateSessionToken();
    await createSession(database.db, token, userId, 30, `Agent\u0000 ${'y'.repeat(400)}`);
    const [row] = await database.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, sessionIdFromToken(token)));
    expect(row!.userAgent).toBe(`Agent ${'y'.repeat(249)}`);
    expect(row!.publicId).toMatch(/^[0-9a-f]{32}$/);
    // Used 10 s ago: no write.
    const recent = new Date(Date.now() - 10_000);
    await setLastUsed(token, recent);
    await validateSessionToken(database.db, token, 30);
    expect(await lastUsed(token)).toBe(recent.getTime());
    // Two minutes ago: an event stream (no renewal) still writes nothing; an ordinary use does.
    const old = new Date(Date.now() - 120_000);
    await setLastUsed(token, old);
    await validateSessionToken(database.db, token, 30, { renew: false });
    expect(await lastUsed(token)).toBe(old.getTime());
    await validateSessionToken(database.db, token, 30);
    expect(await lastUsed(token)).toBeGreaterThan(Date.now() - 10_000);
  });
});
