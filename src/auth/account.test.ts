import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connected, dmSocket, emitAck } from '../test/dm-helpers.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, sameSessionOn, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import type { SseClient } from '../test/sse-client.js';
import { waitFor } from '../test/wait.js';
import { generateSessionToken, sessionIdFromToken } from './session.js';

/**
 * Settings routes against two processes sharing MariaDB and Redis. Sessions are cached for 30 s
 * (far longer than the default), so a session seen ended on the other process can only be the
 * revocation announcement's doing.
 */
let a: TestServer;
let b: TestServer;
const GUESSES = 4;
beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { SESSION_CACHE_MS: '30000', LOGIN_MAX_PER_USERNAME: String(GUESSES) })) as [TestServer, TestServer];
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const sockets: Socket[] = [];
const streams: SseClient[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
  for (const s of streams.splice(0)) s.close();
});

const PASSWORD = 'correct horse battery';
let seq = 0;
const cid = () => `acct${Date.now().toString(36)}${(seq++).toString(36)}`;

/** Another browser signed in to `p`'s account on process B (a session of its own). */
async function otherBrowser(p: Person, userAgent = 'Other browser'): Promise<Person> {
  const client = b.client();
  const res = await client.post('/api/auth/login', { username: p.username, password: PASSWORD }, { headers: { 'user-agent': userAgent } });
  expect(res.status).toBe(200);
  return { client, username: p.username, server: b };
}

/**
 * Everything a session holds open on process B: the session cached there, a /dm socket and a
 * room's event stream. Resolves `ended` once all three are gone.
 */
async function holdOpen(p: Person) {
  expect((await p.client.get('/api/me')).status).toBe(200); // cached on B now
  const socket = dmSocket(p);
  sockets.push(socket);
  await connected(socket);
  const room = uniqueRoomName('hold');
  await createRoom(p, room);
  const peer = await join(p, room);
  const stream = await openStream(p, room, peer);
  streams.push(stream);
  await stream.nextOf('welcome');
  const socketGone = new Promise((resolve) => socket.once('disconnect', resolve));
  return {
    room,
    async ended() {
      await socketGone;
      await stream.whenEnded();
      // The announcement that drops B's cached copy and the member-left that ended the stream
      // travel apart (on a Redis Cluster, through different nodes): either may arrive first.
      await waitFor('the session stops authenticating on B', async () => (await p.client.get('/api/me')).status === 401, 1000);
      // The ended session's member left the room too.
      const members = (await p.server.client().get(`/api/rooms/${room}`)).body;
      expect(members.members ?? []).toHaveLength(0);
    },
    async stillOpen() {
      expect(socket.connected).toBe(true);
      expect(stream.ended).toBe(false);
      expect((await p.client.get('/api/me')).status).toBe(200);
    },
  };
}

describe('POST /api/me/password', () => {
  it('changes the password and ends every other session, with its socket and stream, on every process', async () => {
    const ann = await person(a, 'pw');
    const elsewhere = await otherBrowser(ann);
    const held = await holdOpen(elsewhere);
    const res = await ann.client.post('/api/me/password', { current: PASSWORD, next: 'a brand new secret' });
    expect(res.status).toBe(204);
    await held.ended();
    // This session stays; the old password is gone, the new one works.
    expect((await ann.client.get('/api/me')).status).toBe(200);
    expect((await a.client().post('/api/auth/login', { username: ann.username, password: PASSWORD })).status).toBe(401);
    expect((await a.client().post('/api/auth/login', { username: ann.username, password: 'a brand new secret' })).status).toBe(200);
  });

  it('refuses a wrong current password (401) and a weak new one (400), changing nothing', async () => {
    const ann = await person(a, 'pw');
    const elsewhere = await otherBrowser(ann);
    const wrong = await ann.client.post('/api/me/password', { current: 'not it at all', next: 'a brand new secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    for (const next of ['short', '        ', 42]) {
      const bad = await ann.client.post('/api/me/password', { current: PASSWORD, next });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_input');
    }
    expect((await ann.client.post('/api/me/password', {})).status).toBe(400);
    expect((await elsewhere.client.get('/api/me')).status).toBe(200);
    expect((await a.client().post('/api/auth/login', { username: ann.username, password: PASSWORD })).status).toBe(200);
  });

  it('limits guesses of the current password per user, before hashing: then even the right one waits', async () => {
    const ann = await person(a, 'pw');
    for (let i = 0; i < GUESSES; i++) {
      expect((await ann.client.post('/api/me/password', { current: `wrong guess ${i}`, next: 'a brand new secret' })).status).toBe(401);
    }
    // From another process too: the count lives in Redis.
    const onB = sameSessionOn(ann, b);
    const limited = await onB.client.post('/api/me/password', { current: PASSWORD, next: 'a brand new secret' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_attempts');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Deleting the account is guarded by the same count.
    expect((await ann.client.delete('/api/me', { json: { password: PASSWORD } })).status).toBe(429);
    expect((await ann.client.get('/api/me')).status).toBe(200);
  });

  it('needs a session', async () => {
    const res = await a.client().post('/api/me/password', { current: PASSWORD, next: 'a brand new secret' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });
});

describe('GET /api/me/sessions', () => {
  it('lists the user’s sessions by opaque id, marks the current one, and records browser and last use', async () => {
    const ann = await person(a, 'ls');
    const long = `Mozilla/5.0 ${'x'.repeat(1000)}`;
    const phone = await otherBrowser(ann, long);
    const other = await person(a, 'ls');
    const res = await ann.client.get('/api/me/sessions');
    expect(res.status).toBe(200);
    const list = res.body.sessions as Array<{ id: string; current: boolean; createdAt: string; lastUsedAt: string; userAgent: string | null }>;
    expect(list).toHaveLength(2);
    const tokens = [ann.client.cookies.get('parley_session')!, phone.client.cookies.get('parley_session')!];
    for (const s of list) {
      expect(s.id).toMatch(/^[0-9a-f]{32}$/);
      // Never the token, nor its hash, nor part of either.
      for (const t of tokens) {
        expect(t.includes(s.id) || sessionIdFromToken(t).includes(s.id) || s.id.includes(t)).toBe(false);
      }
      expect(Number.isNaN(Date.parse(s.createdAt))).toBe(false);
      expect(Number.isNaN(Date.parse(s.lastUsedAt))).toBe(false);
    }
    expect(list.filter((s) => s.current)).toHaveLength(1);
    // Recorded at signup too (Node's fetch calls itself "node").
    expect(list.find((s) => s.current)!.userAgent).toBe('node');
    const phoneEntry = list.find((s) => !s.current)!;
    expect(phoneEntry.userAgent).toBe(long.slice(0, 255));
    // The phone sees the same ids, with itself as current.
    const fromPhone = (await phone.client.get('/api/me/sessions')).body.sessions as typeof list;
    expect(fromPhone.find((s) => s.current)!.id).toBe(phoneEntry.id);
    // Nobody else's sessions show.
    expect((await other.client.get('/api/me/sessions')).body.sessions).toHaveLength(1);
  });

  it('moves lastUsedAt when a session is used, at most once a minute', async () => {
    const ann = await person(a, 'lu');
    const sid = sessionIdFromToken(ann.client.cookies.get('parley_session')!);
    const old = new Date(Date.now() - 5 * 60_000);
    await a.database.pool.query('UPDATE sessions SET last_used_at = ? WHERE id = ?', [old, sid]);
    // Used on B, where it is not cached: the validation reads MySQL and writes the time.
    const onB = sameSessionOn(ann, b);
    expect((await onB.client.get('/api/me')).status).toBe(200);
    const [rows] = (await a.database.pool.query('SELECT last_used_at FROM sessions WHERE id = ?', [sid])) as any;
    const used = (rows[0].last_used_at as Date).getTime();
    expect(used).toBeGreaterThan(Date.now() - 30_000);
    const listed = (await ann.client.get('/api/me/sessions')).body.sessions[0];
    expect(Date.parse(listed.lastUsedAt)).toBe(used);
  });
});

describe('DELETE /api/me/sessions/:id and /api/me/sessions', () => {
  it('ends the named session everywhere; another user’s id or a made-up one is session_not_found', async () => {
    const ann = await person(a, 'rm');
    const elsewhere = await otherBrowser(ann);
    const mallory = await person(a, 'rm');
    const held = await holdOpen(elsewhere);
    const list = (await ann.client.get('/api/me/sessions')).body.sessions as Array<{ id: string; current: boolean }>;
    const target = list.find((s) => !s.current)!.id;
    for (const [who, id] of [
      [mallory, target],
      [ann, '0'.repeat(32)],
      [ann, 'not-an-id'],
    ] as const) {
      const res = await who.client.delete(`/api/me/sessions/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('session_not_found');
    }
    await held.stillOpen();
    expect((await ann.client.delete(`/api/me/sessions/${target}`)).status).toBe(204);
    await held.ended();
    expect((await ann.client.get('/api/me')).status).toBe(200);
    expect((await ann.client.delete(`/api/me/sessions/${target}`)).status).toBe(404);
  });

  it('signs out every other session, keeping this one', async () => {
    const ann = await person(a, 'rmall');
    const one = await otherBrowser(ann, 'one');
    const two = await otherBrowser(ann, 'two');
    const held = await holdOpen(one);
    expect((await ann.client.delete('/api/me/sessions')).status).toBe(204);
    await held.ended();
    expect((await two.client.get('/api/me')).status).toBe(401);
    const left = (await ann.client.get('/api/me/sessions')).body.sessions;
    expect(left).toHaveLength(1);
    expect(left[0].current).toBe(true);
  });
});

describe('GET /api/users/blocked', () => {
  it('lists the people this user blocked, and no one else’s blocks', async () => {
    const ann = await person(a, 'bl');
    const bob = await person(a, 'bl');
    const cat = await person(a, 'bl');
    expect((await ann.client.get('/api/users/blocked')).body).toEqual({ users: [] });
    expect((await ann.client.post(`/api/users/${bob.username}/block`)).status).toBe(204);
    expect((await cat.client.post(`/api/users/${ann.username}/block`)).status).toBe(204);
    const res = await ann.client.get('/api/users/blocked');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ users: [{ username: bob.username, displayName: bob.username }] });
    expect((await ann.client.delete(`/api/users/${bob.username}/block`)).status).toBe(204);
    expect((await ann.client.get('/api/users/blocked')).body).toEqual({ users: [] });
    expect((await a.client().get('/api/users/blocked')).status).toBe(401);
  });
});

describe('read markers in the history', () => {
  it('returns both markers, so "Seen" survives a reload; none from someone you blocked', async () => {
    const ann = await person(a, 'rd');
    const bob = await person(b, 'rd');
    const annTab = dmSocket(ann);
    const bobTab = dmSocket(bob);
    sockets.push(annTab, bobTab);
    await Promise.all([connected(annTab), connected(bobTab)]);
    const first = (await emitAck(annTab, 'dm:send', { to: bob.username, body: 'one', clientId: cid() })).message;
    await emitAck(annTab, 'dm:send', { to: bob.username, body: 'two', clientId: cid() });
    const before = (await ann.client.get(`/api/dm/${bob.username}/messages`)).body;
    expect(before.theirReadUpTo).toBeNull();
    expect(before.myReadUpTo).toBeNull();
    expect((await emitAck(bobTab, 'dm:read', { with: ann.username, upTo: first.id })).ok).toBe(true);
    const annView = (await ann.client.get(`/api/dm/${bob.username}/messages`)).body;
    expect(annView.theirReadUpTo).toBe(first.id);
    expect(annView.myReadUpTo).toBeNull();
    // On any page of the history.
    expect((await ann.client.get(`/api/dm/${bob.username}/messages?before=${first.id}`)).body.theirReadUpTo).toBe(first.id);
    const bobView = (await sameSessionOn(bob, a).client.get(`/api/dm/${ann.username}/messages`)).body;
    expect(bobView.myReadUpTo).toBe(first.id);
    expect(bobView.theirReadUpTo).toBeNull();
    expect((await ann.client.post(`/api/users/${bob.username}/block`)).status).toBe(204);
    expect((await ann.client.get(`/api/dm/${bob.username}/messages`)).body.theirReadUpTo).toBeNull();
  });
});

describe('DELETE /api/me', () => {
  it('refuses a wrong password and keeps the account', async () => {
    const ann = await person(a, 'del');
    const res = await ann.client.delete('/api/me', { json: { password: 'not my password' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    expect((await ann.client.delete('/api/me', { json: {} })).status).toBe(400);
    expect((await ann.client.get('/api/me')).status).toBe(200);
  });

  it('ends every session everywhere; the other side keeps the conversation, from a "Deleted user" who can no longer be reached', async () => {
    const ann = await person(a, 'del');
    const bob = await person(b, 'del');
    const elsewhere = await otherBrowser(ann);
    const held = await holdOpen(elsewhere);
    const bobTab = dmSocket(bob);
    sockets.push(bobTab);
    await connected(bobTab);
    // Bob writes to Ann from process B, so B's directory knows her before she goes.
    const sent = (await emitAck(bobTab, 'dm:send', { to: ann.username, body: 'hi ann', clientId: cid() })).message;
    const annTab = dmSocket(ann);
    sockets.push(annTab);
    await connected(annTab);
    const reply = (await emitAck(annTab, 'dm:send', { to: bob.username, body: 'hi bob', clientId: cid() })).message;
    const room = uniqueRoomName('owned');
    await createRoom(ann, room);

    const res = await ann.client.delete('/api/me', { json: { password: PASSWORD } });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/parley_session=;/);
    await held.ended();
    expect((await ann.client.get('/api/me')).status).toBe(401);
    // Nobody signs in as the tombstone, and its name is not handed to someone else.
    expect((await a.client().post('/api/auth/login', { username: ann.username, password: PASSWORD })).status).toBe(401);
    expect((await b.client().post('/api/auth/signup', { username: ann.username, password: PASSWORD })).status).toBe(409);
    // Bob keeps the conversation: both messages, Ann shown only by name.
    const history = (await bob.client.get(`/api/dm/${ann.username}/messages`)).body;
    expect(history.messages.map((m: { id: number }) => m.id)).toEqual([sent.id, reply.id]);
    const conversations = (await bob.client.get('/api/dm/conversations')).body.conversations;
    expect(conversations[0].with).toEqual({ username: ann.username, displayName: 'Deleted user', online: false, deleted: true });
    // She cannot be written to, from either process, nor found.
    const refused = await emitAck(bobTab, 'dm:send', { to: ann.username, body: 'still there?', clientId: cid() });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unknown_user' } });
    const bobOnA = sameSessionOn(bob, a);
    const bobTabA = dmSocket(bobOnA);
    sockets.push(bobTabA);
    await connected(bobTabA);
    expect(await emitAck(bobTabA, 'dm:send', { to: ann.username, body: 'hello?', clientId: cid() })).toMatchObject({
      ok: false,
      error: { code: 'unknown_user' },
    });
    expect((await bob.client.get(`/api/users?q=${ann.username}`)).body.users).toEqual([]);
    // Her room is gone.
    expect((await bob.client.get(`/api/rooms/${room}`)).status).toBe(404);
    // No session row is left.
    const [rows] = (await a.database.pool.query('SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ?', [
      ann.username,
    ])) as any;
    expect(Number(rows[0].n)).toBe(0);
    // A login that raced the deletion and wrote a session for the tombstone gets nowhere with it.
    const token = generateSessionToken();
    await a.database.pool.query(
      'INSERT INTO sessions (id, user_id, expires_at, created_at, public_id) SELECT ?, id, ?, NOW(3), ? FROM users WHERE username = ?',
      [sessionIdFromToken(token), new Date(Date.now() + 86_400_000), 'f'.repeat(32), ann.username],
    );
    const raced = a.client();
    raced.cookies.set('parley_session', token);
    expect((await raced.get('/api/me')).status).toBe(401);
  });

  it('needs a session', async () => {
    expect((await a.client().delete('/api/me', { json: { password: PASSWORD } })).status).toBe(401);
  });
});
