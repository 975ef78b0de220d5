import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySpace } from '../redis/client.js';
import { startTestServer, uniqueUsername, type TestServer } from '../test/harness.js';
import type { TestClient } from '../test/client.js';
import { presenceKey } from '../presence/presence.js';
import { insertUser } from './store.js';

let server: TestServer;
let client: TestClient;
beforeAll(async () => {
  server = await startTestServer();
  client = server.client();
  await client.signup(uniqueUsername('me'), 'password123', 'Me');
});
afterAll(async () => {
  await server?.stop();
});

describe('GET /api/me', () => {
  it('needs a session: 401 unauthenticated', async () => {
    const res = await server.client().get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });
});

describe('PATCH /api/me', () => {
  it('changes the display name, trimmed, and answers {user}', async () => {
    const res = await client.patch('/api/me', { displayName: '  Zoë 🎙️ ' });
    expect(res.status).toBe(200);
    expect(res.body.user.displayName).toBe('Zoë 🎙️');
    expect((await client.get('/api/me')).body.user.displayName).toBe('Zoë 🎙️');
  });

  it('accepts 64 characters counted as people count them (emoji are one each)', async () => {
    const res = await client.patch('/api/me', { displayName: '🎧'.repeat(64) });
    expect(res.status).toBe(200);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['65 characters', 'n'.repeat(65)],
    ['a tab inside', 'a\tb'],
    ['a NUL', 'a\u0000b'],
    ['a right-to-left override', 'evil\u202Etxt.exe'],
    ['a zero-width space after a real name', 'alice\u200B'],
    ['a zero-width joiner between letters', 'ali\u200Dce'],
    ['only a Hangul filler', '\u3164'],
    ['a Hangul filler inside', 'al\u3164ice'],
    ['a halfwidth Hangul filler', 'a\uFFA0'],
    ['a Braille blank', '\u2800\u2800'],
    ['a soft hyphen', 'ali\u00ADce'],
    ['a tag character', 'alice\u{E0041}'],
    ['a left-to-right mark', '\u200Ealice'],
    ['an Arabic letter mark', 'alice\u061C'],
    ['a byte-order mark inside', 'ali\uFEFFce'],
    ['a combining grapheme joiner', 'alice\u034F'],
    ['a line separator', 'a\u2028b'],
    ['a number', 42],
    ['null', null],
  ])('refuses %s with 400 invalid_input and keeps the old name', async (_label, displayName) => {
    const before = (await client.get('/api/me')).body.user.displayName;
    const res = await client.patch('/api/me', { displayName });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect((await client.get('/api/me')).body.user.displayName).toBe(before);
  });

  it.each([
    ['an emoji sequence joined by zero-width joiners', 'Dev 👩‍💻 👨‍👩‍👧'],
    ['joined emoji with a skin tone and a flag', 'Dev 👩🏽‍💻 🏳️‍🌈'],
    ['an emoji with a variation selector', 'Mic 🎙️'],
    ['right-to-left letters', 'نور'],
    ['accents and CJK', 'Zoë 山田'],
  ])('keeps %s', async (_label, displayName) => {
    const res = await client.patch('/api/me', { displayName });
    expect(res.status).toBe(200);
    expect(res.body.user.displayName).toBe(displayName);
  });

  it('refuses a missing displayName and needs a session', async () => {
    expect((await client.patch('/api/me', {})).status).toBe(400);
    expect((await server.client().patch('/api/me', { displayName: 'x' })).status).toBe(401);
  });
});

describe('GET /api/users', () => {
  it('finds users by username prefix, case-insensitively, with online state from Redis presence', async () => {
    const stem = uniqueUsername('find').slice(0, 20);
    const a = await insertUser(server.database.db, { username: `${stem}a`, displayName: 'A', passwordHash: 'x' });
    await insertUser(server.database.db, { username: `${stem}b`, displayName: 'B', passwordHash: 'x' });
    await server.redis.set(presenceKey(keySpace(server.config.redisPrefix), a.id), '1', 'EX', 60);

    const res = await client.get(`/api/users?q=${stem.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      users: [
        { username: `${stem}a`, displayName: 'A', online: true },
        { username: `${stem}b`, displayName: 'B', online: false },
      ],
    });
  });

  it('treats _ and . literally, not as wildcards', async () => {
    const stem = uniqueUsername('lit').slice(0, 20);
    await insertUser(server.database.db, { username: `${stem}_x`, displayName: 'U', passwordHash: 'x' });
    await insertUser(server.database.db, { username: `${stem}zx`, displayName: 'Z', passwordHash: 'x' });
    const res = await client.get(`/api/users?q=${stem}_`);
    expect(res.body.users.map((u: { username: string }) => u.username)).toEqual([`${stem}_x`]);
  });

  it('returns at most 50 users', async () => {
    const stem = uniqueUsername('many').slice(0, 20);
    for (let i = 0; i < 55; i++) {
      await insertUser(server.database.db, { username: `${stem}${String(i).padStart(2, '0')}`, displayName: 'M', passwordHash: 'x' });
    }
    const res = await client.get(`/api/users?q=${stem}`);
    expect(res.status).toBe(200);
    expect(res.body.users).toHaveLength(50);
  });

  it('never exposes ids or password hashes', async () => {
    const res = await client.get('/api/users?q=me');
    for (const u of res.body.users) expect(Object.keys(u).sort()).toEqual(['displayName', 'online', 'username']);
  });

  it('finds display names by their start or the start of a word, case-insensitively, after username matches', async () => {
    const stem = uniqueUsername('dn').slice(0, 20);
    const word = `Zq${stem.replace(/[^a-z0-9]/g, '').slice(-8)}`;
    await insertUser(server.database.db, { username: `${stem}1`, displayName: `${word} Lee`, passwordHash: 'x' });
    await insertUser(server.database.db, { username: `${stem}2`, displayName: `Mary ${word}`, passwordHash: 'x' });
    await insertUser(server.database.db, { username: `${stem}3`, displayName: `Mary${word}`, passwordHash: 'x' });
    const names = async (q: string) => (await client.get(`/api/users?q=${encodeURIComponent(q)}`)).body.users.map((u: { username: string }) => u.username);
    expect(await names(word.toLowerCase())).toEqual([`${stem}1`, `${stem}2`]);
    expect(await names(`  ${word.toUpperCase()}   lee `)).toEqual([`${stem}1`]);
    expect(await names(`mary ${word}`)).toEqual([`${stem}2`]);
  });

  it('accepts non-ASCII and treats % literally', async () => {
    const stem = uniqueUsername('nx').slice(0, 20);
    await insertUser(server.database.db, { username: `${stem}1`, displayName: `Zoë ${stem}`, passwordHash: 'x' });
    await insertUser(server.database.db, { username: `${stem}2`, displayName: `100% ${stem}`, passwordHash: 'x' });
    const names = async (q: string) => (await client.get(`/api/users?q=${encodeURIComponent(q)}`)).body.users.map((u: { username: string }) => u.username);
    expect(await names(`Zoë ${stem}`)).toEqual([`${stem}1`]);
    expect(await names(`100% ${stem}`)).toEqual([`${stem}2`]);
    expect(await names(`1%0 ${stem}`)).toEqual([]);
  });

  it.each([[''], ['?q='], ['?q=%20%20'], ['?q=a%00b'], ['?q=a%E2%80%8Bb'], [`?q=${'a'.repeat(65)}`]])(
    'refuses the query %s with 400 invalid_input',
    async (query) => {
      const res = await client.get(`/api/users${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    },
  );

  it('needs a session', async () => {
    expect((await server.client().get('/api/users?q=a')).status).toBe(401);
  });
});
