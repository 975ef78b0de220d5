import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../db/schema.js';
import { startTestServer, uniqueUsername, type TestServer } from '../test/harness.js';
import { sessionIdFromToken } from './session.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function userRowCount(username: string) {
  const rows = await server.database.db.select().from(users).where(eq(users.username, username.toLowerCase()));
  return rows.length;
}

describe('POST /api/auth/signup', () => {
  it('creates the account, answers 201 {user} and starts a session', async () => {
    const client = server.client();
    const name = uniqueUsername('sign');
    const res = await client.post('/api/auth/signup', { username: name, password: 'hunter2hunter2', displayName: 'Sig' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ user: { id: expect.any(Number), username: name, displayName: 'Sig' } });

    const me = await client.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual(res.body.user);
  });

  it('sets a HttpOnly, SameSite=Lax session cookie without Secure over http', async () => {
    const res = await server.client().post('/api/auth/signup', { username: uniqueUsername(), password: 'password123' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('parley_session='))!;
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('stores the username lower-case and the password only as an argon2id hash', async () => {
    const name = uniqueUsername('MiXeD');
    const res = await server.client().post('/api/auth/signup', { username: name, password: 'password123' });
    expect(res.status).toBe(201);
    expect(res.body.user.username).toBe(name.toLowerCase());
    expect(res.body.user.displayName).toBe(name.toLowerCase());
    const [row] = await server.database.db.select().from(users).where(eq(users.username, name.toLowerCase()));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!.passwordHash).not.toContain('password123');
  });

  it('refuses a taken name with 409 username_taken, whatever its case', async () => {
    const name = uniqueUsername('dup');
    await server.client().signup(name);
    const res = await server.client().post('/api/auth/signup', { username: name.toUpperCase(), password: 'password123' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('username_taken');
    expect(await userRowCount(name)).toBe(1);
  });

  it('lets exactly one of two racing signups for one name win', async () => {
    const name = uniqueUsername('race');
    const results = await Promise.all([0, 1, 2].map(() => server.client().post('/api/auth/signup', { username: name, password: 'password123' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await userRowCount(name)).toBe(1);
  });

  it('trims the display name', async () => {
    const res = await server.client().post('/api/auth/signup', {
      username: uniqueUsername(),
      password: 'password123',
      displayName: '  Ana María 🎧  ',
    });
    expect(res.status).toBe(201);
    expect(res.body.user.displayName).toBe('Ana María 🎧');
  });

  const invalid: Array<[string, unknown]> = [
    ['a missing username', { password: 'password123' }],
    ['a missing password', { username: 'validname' }],
    ['a two-letter username', { username: 'ab', password: 'password123' }],
    ['a 33-letter username', { username: 'a'.repeat(33), password: 'password123' }],
    ['a username with a space', { username: 'bad name', password: 'password123' }],
    ['a username with a slash', { username: 'bad/name', password: 'password123' }],
    ['a non-ASCII username', { username: 'ünïcode', password: 'password123' }],
    ['a numeric username', { username: 12345, password: 'password123' }],
    ['a 7-character password', { username: 'validname', password: '1234567' }],
    ['a 257-character password', { username: 'validname', password: 'p'.repeat(257) }],
    ['a password that is not a string', { username: 'validname', password: 12345678 }],
    ['a password of eight spaces', { username: 'validname', password: '        ' }],
    ['a password of eight NULs', { username: 'validname', password: '\u0000'.repeat(8) }],
    ['a password of tabs, newlines and no-break spaces', { username: 'validname', password: '\t\n\u00A0\u3000\t\n\u00A0\u3000' }],
    ['a password of zero-width spaces', { username: 'validname', password: '\u200B'.repeat(8) }],
    ['a display name with a zero-width space', { username: 'validname', password: 'password123', displayName: 'alice\u200B' }],
    ['a display name that is a Hangul filler', { username: 'validname', password: 'password123', displayName: '\u3164' }],
    ['a blank display name', { username: 'validname', password: 'password123', displayName: '   ' }],
    ['a 65-character display name', { username: 'validname', password: 'password123', displayName: 'x'.repeat(65) }],
    ['a display name with a control character', { username: 'validname', password: 'password123', displayName: 'a\u0007b' }],
    ['a display name with a newline', { username: 'validname', password: 'password123', displayName: 'a\nb' }],
    ['a display name with a bidi override', { username: 'validname', password: 'password123', displayName: 'a\u202Eb' }],
    ['a display name that is not a string', { username: 'validname', password: 'password123', displayName: ['x'] }],
    ['an array body', ['validname', 'password123']],
    ['a null body', null],
    ['a string body', 'validname'],
  ];
  it.each(invalid)('refuses %s with 400 invalid_input and writes nothing', async (_label, body) => {
    const res = await server.client().post('/api/auth/signup', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(await userRowCount('validname')).toBe(0);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('accepts boundary lengths: 3 and 32 character names, 8 and 256 character passwords, 64 character display names', async () => {
    const short = `z${Math.random().toString(36).slice(2, 4)}`;
    for (const body of [
      { username: short, password: '12345678' },
      { username: uniqueUsername('l').padEnd(32, 'x'), password: 'p'.repeat(256), displayName: '🎧'.repeat(64) },
      // White space is fine in a password that has something else in it.
      { username: uniqueUsername('sp'), password: '       x' },
    ]) {
      const res = await server.client().post('/api/auth/signup', body);
      expect([201, 409]).toContain(res.status); // a 3-letter name may exist from an earlier test run
    }
  });
});

describe('POST /api/auth/login', () => {
  it('answers 200 {user} with a fresh session for the right password, in any case of the name', async () => {
    const name = uniqueUsername('login');
    const signedUp = await server.client().signup(name, 'the right password');
    const client = server.client();
    const res = await client.post('/api/auth/login', { username: name.toUpperCase(), password: 'the right password' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: signedUp });
    expect((await client.get('/api/me')).body.user).toEqual(signedUp);
  });

  it('answers wrong password and unknown user identically: 401 invalid_credentials', async () => {
    const name = uniqueUsername('who');
    await server.client().signup(name, 'the right password');
    const wrong = await server.client().post('/api/auth/login', { username: name, password: 'not the password' });
    const unknown = await server.client().post('/api/auth/login', { username: uniqueUsername('ghost'), password: 'whatever1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('refuses malformed credentials with 400 invalid_input', async () => {
    for (const body of [{}, { username: 'someone' }, { username: 'someone', password: '' }, { username: 1, password: 'x' }]) {
      const res = await server.client().post('/api/auth/login', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
  });
});

describe('login rate limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ LOGIN_MAX_PER_USERNAME: '3', LOGIN_MAX_PER_IP: '8', LOGIN_WINDOW_SECONDS: '120' });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('slows down guessing at one account: 429 too_many_attempts with Retry-After, even for the right password', async () => {
    const name = uniqueUsername('target');
    await limited.client().signup(name, 'the right password');
    for (let i = 0; i < 3; i++) {
      const res = await limited.client().post('/api/auth/login', { username: name, password: `guess ${i}` });
      expect(res.status).toBe(401);
    }
    const blocked = await limited.client().post('/api/auth/login', { username: name, password: 'the right password' });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_attempts');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(blocked.headers.getSetCookie()).toEqual([]);
  });

  it('counts every attempt per address, across usernames', async () => {
    const fresh = await startTestServer({ LOGIN_MAX_PER_IP: '4', LOGIN_WINDOW_SECONDS: '60' });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) {
        const res = await fresh.client().post('/api/auth/login', { username: uniqueUsername('spray'), password: 'password1' });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    } finally {
      await fresh.stop();
    }
  });

  it('believes X-Forwarded-For only with TRUST_PROXY', async () => {
    const direct = await startTestServer({ LOGIN_MAX_PER_IP: '2' });
    const proxied = await startTestServer({ LOGIN_MAX_PER_IP: '2', TRUST_PROXY: '1' });
    try {
      const attempt = (s: TestServer, ip: string) =>
        s.client().post('/api/auth/login', { username: 'nobody_here', password: 'password1' }, { headers: { 'x-forwarded-for': ip } });
      // Without a trusted proxy a client cannot dodge the limit by inventing addresses.
      expect((await attempt(direct, '10.0.0.1')).status).toBe(401);
      expect((await attempt(direct, '10.0.0.2')).status).toBe(401);
      expect((await attempt(direct, '10.0.0.3')).status).toBe(429);
      // Behind one trusted proxy, the address it appended is the client's.
      expect((await attempt(proxied, '203.0.113.9, 10.0.0.1')).status).toBe(401);
      expect((await attempt(proxied, '198.51.100.7, 10.0.0.1')).status).toBe(401);
      expect((await attempt(proxied, '10.0.0.1')).status).toBe(429);
      expect((await attempt(proxied, '10.0.0.2')).status).toBe(401);
    } finally {
      await direct.stop();
      await proxied.stop();
    }
  });

  it('a successful login clears the account’s failure count', async () => {
    const s = await startTestServer({ LOGIN_MAX_PER_USERNAME: '3', LOGIN_MAX_PER_IP: '100' });
    try {
      const name = uniqueUsername('forgetful');
      await s.client().signup(name, 'the right password');
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 2; i++) {
          expect((await s.client().post('/api/auth/login', { username: name, password: 'nope nope' })).status).toBe(401);
        }
        expect((await s.client().post('/api/auth/login', { username: name, password: 'the right password' })).status).toBe(200);
      }
    } finally {
      await s.stop();
    }
  });

  it('limits signups per address', async () => {
    const s = await startTestServer({ SIGNUP_MAX_PER_IP: '2' });
    try {
      expect((await s.client().post('/api/auth/signup', { username: uniqueUsername(), password: 'password123' })).status).toBe(201);
      expect((await s.client().post('/api/auth/signup', { username: uniqueUsername(), password: 'password123' })).status).toBe(201);
      const name = uniqueUsername();
      const third = await s.client().post('/api/auth/signup', { username: name, password: 'password123' });
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe('too_many_attempts');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await userRowCount(name)).toBe(0);
    } finally {
      await s.stop();
    }
  });
});

describe('POST /api/auth/logout', () => {
  it('ends the session in the database, clears the cookie, and the old cookie no longer works', async () => {
    const client = server.client();
    const user = await client.signup(uniqueUsername('bye'));
    const token = client.cookies.get('parley_session')!;
    const stolen = server.client();
    stolen.cookies.set('parley_session', token);
    expect((await stolen.get('/api/me')).status).toBe(200);

    const res = await client.post('/api/auth/logout');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const cleared = res.headers.getSetCookie().find((c) => c.startsWith('parley_session='))!;
    expect(cleared).toMatch(/Max-Age=0/);
    expect(client.cookies.has('parley_session')).toBe(false);

    const rows = await server.database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows).toEqual([]);
    const replay = await stolen.get('/api/me');
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('unauthenticated');
  });

  it('needs a session: 401 unauthenticated', async () => {
    const res = await server.client().post('/api/auth/logout');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('ends only its own session: other devices stay signed in', async () => {
    const name = uniqueUsername('multi');
    const laptop = server.client();
    await laptop.signup(name, 'password123');
    const phone = server.client();
    expect((await phone.post('/api/auth/login', { username: name, password: 'password123' })).status).toBe(200);
    expect((await laptop.post('/api/auth/logout')).status).toBe(204);
    expect((await phone.get('/api/me')).status).toBe(200);
  });
});

describe('session storage', () => {
  it('stores only the SHA-256 of the token, never the token', async () => {
    const client = server.client();
    const user = await client.signup(uniqueUsername('hash'));
    const token = client.cookies.get('parley_session')!;
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    const rows = await server.database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(sessionIdFromToken(token));
    expect(rows[0]!.id).not.toContain(token);
  });

  it('treats a forged or garbage cookie as no session and clears it', async () => {
    for (const value of ['x', 'a'.repeat(32), '../../etc/passwd', '%00%00']) {
      const client = server.client();
      client.cookies.set('parley_session', value);
      const res = await client.get('/api/me');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });
});

describe('over https', () => {
  it('marks the cookie Secure with the __Host- prefix', async () => {
    const secure = await startTestServer({ ORIGIN: 'https://parley.example' });
    try {
      const client = secure.client();
      const res = await client.post('/api/auth/signup', { username: uniqueUsername('tls'), password: 'password123' });
      expect(res.status).toBe(201);
      const cookie = res.headers.getSetCookie()[0]!;
      expect(cookie).toMatch(/^__Host-parley_session=/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect((await client.get('/api/me')).status).toBe(200);
    } finally {
      await secure.stop();
    }
  });
});
