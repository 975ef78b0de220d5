import type { RowDataPacket } from 'mysql2/promise';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, connected, dmSocket, emitAck } from '../test/dm-helpers.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { person, sameSessionOn, type Person } from '../test/rooms-helpers.js';
import { sessionIdFromToken } from '../auth/session.js';

/** Two Parley processes sharing MySQL and Redis; people connect to either. */
let a: TestServer;
let b: TestServer;
const sockets: Socket[] = [];
const open = async (p: Person, options?: Parameters<typeof dmSocket>[1]) => {
  const s = dmSocket(p, options);
  sockets.push(s);
  return connected(s);
};

beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { DM_PRESENCE_TIMEOUT_MS: '1500', DM_RATE_MAX: '1000' })) as [TestServer, TestServer];
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

async function rowsFor(senderUsername: string, clientId: string) {
  const [rows] = await a.database.pool.query<RowDataPacket[]>(
    'SELECT m.* FROM direct_messages m JOIN users u ON u.id = m.sender_id WHERE u.username = ? AND m.client_id = ?',
    [senderUsername, clientId],
  );
  return rows;
}
let seq = 0;
const cid = () => `c${Date.now().toString(36)}${(seq++).toString(36)}`;

describe('the /dm handshake', () => {
  it('refuses a connection without a valid session with "unauthenticated"', async () => {
    const p = await person(a);
    await expect(open(p, { cookie: false })).rejects.toThrow('unauthenticated');
    const forged = { ...p, client: a.client() };
    forged.client.cookies.set('parley_session', 'a'.repeat(32));
    await expect(open(forged)).rejects.toThrow('unauthenticated');
  });

  it('refuses a cross-site origin', async () => {
    const p = await person(a);
    await expect(open(p, { origin: 'https://evil.example' })).rejects.toThrow('forbidden_origin');
  });
});

describe('dm:send', () => {
  it('acks after the row is committed and delivers to every tab of both people on both processes', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const annTabs = [await open(ann), await open(sameSessionOn(ann, b))];
    const bobTabs = [await open(bob), await open(sameSessionOn(bob, a))];
    const inboxes = [...annTabs, ...bobTabs].map((s) => collect(s, 'dm:message'));

    const clientId = cid();
    const ack = await emitAck(annTabs[0]!, 'dm:send', { to: bob.username.toUpperCase(), body: '  hello <b>bob</b>  ', clientId });
    expect(ack).toEqual({
      ok: true,
      message: {
        id: expect.any(Number),
        from: ann.username,
        to: bob.username,
        body: 'hello <b>bob</b>',
        createdAt: expect.any(String),
        clientId,
        kind: 'text',
      },
    });
    // The row was committed before the ack went out.
    expect(await rowsFor(ann.username, clientId)).toHaveLength(1);
    for (const inbox of inboxes) expect(await inbox.next()).toEqual(ack.message);
  });

  it('delivers a burst sent at once whole and in order, every tab of both people on both processes', async () => {
    // A burst is stored as one batch and its acks and deliveries go out together (one write
    // per connection): nothing may be lost, duplicated or reordered on the way.
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const annTab = await open(ann);
    const tabs = [annTab, await open(sameSessionOn(ann, b)), await open(bob), await open(sameSessionOn(bob, a))];
    const inboxes = tabs.map((s) => collect(s, 'dm:message'));
    const acks = await Promise.all([...Array(60).keys()].map((i) => emitAck(annTab, 'dm:send', { to: bob.username, body: `burst ${i}`, clientId: cid() })));
    expect(acks.every((x) => x.ok)).toBe(true);
    const ids = acks.map((x) => x.message.id);
    expect(new Set(ids).size).toBe(60);
    for (const inbox of inboxes) {
      for (let i = 0; i < 60; i++) await inbox.next();
      const got = inbox.seen.slice(0, 60);
      // Each tab sees the 60 messages once each, in the order they were sent.
      expect(got.map((m) => m.id)).toEqual(ids);
      expect(got.map((m) => m.body)).toEqual(acks.map((x) => x.message.body));
    }
  });

  it('never stores a retry twice: the same clientId returns the original message', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const tab = await open(ann);
    const clientId = cid();
    const first = await emitAck(tab, 'dm:send', { to: bob.username, body: 'once', clientId });
    const retries = await Promise.all([0, 1, 2].map(() => emitAck(tab, 'dm:send', { to: bob.username, body: 'once', clientId })));
    const onOther = await emitAck(await open(sameSessionOn(ann, b)), 'dm:send', { to: bob.username, body: 'once', clientId });
    for (const r of [...retries, onOther]) expect(r.message).toEqual(first.message);
    expect(await rowsFor(ann.username, clientId)).toHaveLength(1);
  });

  it('ignores a forged from: the sender is the session’s user', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const eve = await person(a, 'eve');
    const clientId = cid();
    const ack = await emitAck(await open(eve), 'dm:send', { from: ann.username, to: bob.username, body: 'it is ann', clientId });
    expect(ack.message.from).toBe(eve.username);
    expect(await rowsFor(ann.username, clientId)).toHaveLength(0);
    expect(await rowsFor(eve.username, clientId)).toHaveLength(1);
  });

  it.each([
    ['no payload', undefined],
    ['a string', 'hello'],
    ['a missing to', { body: 'x', clientId: 'c1' }],
    ['a malformed to', { to: 'no such/name', body: 'x', clientId: 'c1' }],
    ['an empty body', { to: 'someone', body: '   ', clientId: 'c1' }],
    ['a 4001-character body', { to: 'someone', body: 'x'.repeat(4001), clientId: 'c1' }],
    ['a body that is not a string', { to: 'someone', body: { html: '<i>' }, clientId: 'c1' }],
    ['a body with a lone surrogate', { to: 'someone', body: 'half \ud83d of a smile', clientId: 'c1' }],
    ['a missing clientId', { to: 'someone', body: 'x' }],
    ['a malformed clientId', { to: 'someone', body: 'x', clientId: 'has space' }],
  ])('answers %s with invalid_input and stores nothing', async (_label, payload) => {
    const ann = await person(a, 'ann');
    const tab = await open(ann);
    const ack = await emitAck(tab, 'dm:send', payload);
    expect(ack).toEqual({ ok: false, error: { code: 'invalid_input', message: expect.any(String) } });
    const [rows] = await a.database.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM direct_messages m JOIN users u ON u.id = m.sender_id WHERE u.username = ?',
      [ann.username],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('answers unknown_user for a name nobody has, and refuses messages to yourself', async () => {
    const ann = await person(a, 'ann');
    const tab = await open(ann);
    expect((await emitAck(tab, 'dm:send', { to: 'nobody_by_this_name', body: 'x', clientId: cid() })).error.code).toBe('unknown_user');
    expect((await emitAck(tab, 'dm:send', { to: ann.username, body: 'x', clientId: cid() })).error.code).toBe('invalid_input');
  });

  it('answers blocked when the recipient blocked the sender, until unblocked', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    expect((await bob.client.post(`/api/users/${ann.username}/block`)).status).toBe(204);
    const tab = await open(ann);
    const clientId = cid();
    expect((await emitAck(tab, 'dm:send', { to: bob.username, body: 'hi', clientId })).error.code).toBe('blocked');
    expect(await rowsFor(ann.username, clientId)).toHaveLength(0);
    // Blocking is one way: bob can still write to ann.
    expect((await emitAck(await open(bob), 'dm:send', { to: ann.username, body: 'hi', clientId: cid() })).ok).toBe(true);
    expect((await bob.client.delete(`/api/users/${ann.username}/block`)).status).toBe(204);
    expect((await emitAck(tab, 'dm:send', { to: bob.username, body: 'hi', clientId })).ok).toBe(true);
  });

  it('writes messages in flight together in shared transactions (group commit), each acked with its own row', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const tab = await open(ann);
    const before = { ...a.parley.dm.writer.stats };
    const ids = Array.from({ length: 60 }, () => cid());
    const acks = await Promise.all(ids.map((clientId) => emitAck(tab, 'dm:send', { to: bob.username, body: clientId, clientId })));
    const batches = a.parley.dm.writer.stats.batches - before.batches;
    const written = a.parley.dm.writer.stats.messages - before.messages;
    expect(written).toBe(60);
    expect(batches).toBeLessThan(60 / 4);
    expect(new Set(acks.map((x) => x.message.id)).size).toBe(60);
    for (const [i, ack] of acks.entries()) expect(ack.message.body).toBe(ids[i]);
  });

  it('answers rate_limited past the per-user limit', async () => {
    const [s] = await startTestCluster(1, { DM_RATE_MAX: '3' });
    try {
      const ann = await person(s!, 'ann');
      const bob = await person(s!, 'bob');
      const tab = await open(ann);
      const codes = [];
      for (let i = 0; i < 5; i++) {
        const ack = await emitAck(tab, 'dm:send', { to: bob.username, body: `${i}`, clientId: cid() });
        codes.push(ack.ok ? 'ok' : ack.error.code);
      }
      expect(codes).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    } finally {
      await s!.stop();
    }
  });
});

describe('history and conversations', () => {
  it('pages history both ways with before and limit, oldest first within a page', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const annTab = await open(ann);
    const bobTab = await open(bob);
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      const [from, to] = i % 2 ? [bobTab, ann.username] : [annTab, bob.username];
      ids.push((await emitAck(from, 'dm:send', { to, body: `m${i}`, clientId: cid() })).message.id);
    }
    const page1 = await ann.client.get(`/api/dm/${bob.username}/messages?limit=3`);
    expect(page1.status).toBe(200);
    expect(page1.body.messages.map((m: { body: string }) => m.body)).toEqual(['m4', 'm5', 'm6']);
    expect(page1.body.hasMore).toBe(true);
    const page2 = await ann.client.get(`/api/dm/${bob.username}/messages?limit=3&before=${page1.body.messages[0].id}`);
    expect(page2.body.messages.map((m: { body: string }) => m.body)).toEqual(['m1', 'm2', 'm3']);
    const page3 = await bob.client.get(`/api/dm/${ann.username}/messages?limit=3&before=${page2.body.messages[0].id}`);
    expect(page3.body).toEqual({
      messages: [expect.objectContaining({ body: 'm0', from: ann.username, to: bob.username })],
      hasMore: false,
      theirReadUpTo: null,
      myReadUpTo: null,
    });
    const all = await bob.client.get(`/api/dm/${ann.username}/messages`);
    expect(all.body.messages.map((m: { id: number }) => m.id)).toEqual(ids);
  });

  it.each([['?limit=0'], ['?limit=101'], ['?limit=abc'], ['?before=0'], ['?before=-5'], ['?before=1.5']])(
    'refuses paging %s with 400 invalid_input',
    async (query) => {
      const ann = await person(a, 'ann');
      const bob = await person(a, 'bob');
      const res = await ann.client.get(`/api/dm/${bob.username}/messages${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    },
  );

  it('answers 404 unknown_user for history with nobody, and needs a session', async () => {
    const ann = await person(a, 'ann');
    expect((await ann.client.get('/api/dm/nobody_by_this_name/messages')).body.error.code).toBe('unknown_user');
    expect((await a.client().get('/api/dm/conversations')).status).toBe(401);
  });

  it('lists conversations newest first with unread counts that dm:read clears, telling the other side', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const cat = await person(a, 'cat');
    const annTab = await open(ann);
    const reads = collect(annTab, 'dm:read');
    const bobTab = await open(bob);
    const catTab = await open(cat);
    await emitAck(bobTab, 'dm:send', { to: ann.username, body: 'b1', clientId: cid() });
    const b2 = (await emitAck(bobTab, 'dm:send', { to: ann.username, body: 'b2', clientId: cid() })).message;
    await emitAck(catTab, 'dm:send', { to: ann.username, body: 'c1', clientId: cid() });
    await emitAck(annTab, 'dm:send', { to: cat.username, body: 'reply', clientId: cid() });

    const list = await ann.client.get('/api/dm/conversations');
    expect(list.body.conversations).toEqual([
      { with: { username: cat.username, displayName: cat.username, online: true }, lastMessage: expect.objectContaining({ body: 'reply' }), unread: 1 },
      { with: { username: bob.username, displayName: bob.username, online: true }, lastMessage: expect.objectContaining({ body: 'b2' }), unread: 2 },
    ]);

    const bobReads = collect(bobTab, 'dm:read');
    expect(await emitAck(annTab, 'dm:read', { with: bob.username, upTo: b2.id })).toEqual({ ok: true });
    expect(await bobReads.next()).toMatchObject({ by: ann.username, upTo: b2.id });
    expect(await reads.next()).toMatchObject({ by: ann.username, upTo: b2.id });
    const after = await ann.client.get('/api/dm/conversations');
    expect(after.body.conversations.map((c: { unread: number }) => c.unread)).toEqual([1, 0]);
    // The history carries both read markers as stored: Bob's "Seen" after a reload.
    expect((await bob.client.get(`/api/dm/${ann.username}/messages`)).body).toMatchObject({ theirReadUpTo: b2.id, myReadUpTo: null });
    expect((await ann.client.get(`/api/dm/${bob.username}/messages`)).body).toMatchObject({ theirReadUpTo: null, myReadUpTo: b2.id });
    expect((await emitAck(annTab, 'dm:read', { with: bob.username, upTo: 'x' })).error.code).toBe('invalid_input');
  });
});

describe('typing and presence', () => {
  it('relays dm:typing to the recipient only, never stored', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const annTab = await open(ann);
    const bobTab = await open(bob);
    const bobTyping = collect(bobTab, 'dm:typing');
    const annTyping = collect(annTab, 'dm:typing');
    annTab.emit('dm:typing', { to: bob.username });
    expect(await bobTyping.next()).toEqual({ from: ann.username });
    expect(annTyping.seen).toEqual([]);
  });

  it('announces online on the first tab and offline when the last tab leaves', async () => {
    const watcher = await open(await person(a, 'watch'));
    const events = collect<{ username: string; online: boolean }>(watcher, 'presence');
    const ann = await person(a, 'ann');
    const t1 = await open(ann);
    expect(await events.next((e) => e.username === ann.username)).toEqual({ username: ann.username, online: true });
    const t2 = await open(sameSessionOn(ann, b));
    t1.disconnect();
    expect((await ann.client.get(`/api/users?q=${ann.username}`)).body.users[0].online).toBe(true);
    t2.disconnect();
    expect(await events.next((e) => e.username === ann.username)).toEqual({ username: ann.username, online: false });
    expect((await ann.client.get(`/api/users?q=${ann.username}`)).body.users[0].online).toBe(false);
    expect(events.seen.filter((e) => e.username === ann.username)).toHaveLength(2);
  });
});

describe('logout', () => {
  it('disconnects every socket of the session, on every process', async () => {
    const ann = await person(a, 'ann');
    const tabs = [await open(ann), await open(sameSessionOn(ann, b))];
    const gone = tabs.map((t) => new Promise((resolve) => t.once('disconnect', resolve)));
    expect((await ann.client.post('/api/auth/logout')).status).toBe(204);
    await Promise.all(gone);
    await expect(open(ann)).rejects.toThrow('unauthenticated');
  });

  it('an expired session loses its sockets too, while a live one keeps them', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const annTab = await open(ann);
    const bobTab = await open(bob);
    // Ann's session runs out in the database; nobody logs out.
    await a.database.pool.query('UPDATE sessions SET expires_at = ? WHERE id = ?', [
      new Date(Date.now() - 1000),
      sessionIdFromToken(ann.client.cookies.get('parley_session')!),
    ]);
    const gone = new Promise((resolve) => annTab.once('disconnect', resolve));
    // The periodic check, as it runs once the sessions' recorded expiry (30 days away) is reached.
    await a.parley.dm.sockets.checkExpiredSessions(Date.now() + 31 * 86_400_000);
    await gone;
    expect(bobTab.connected).toBe(true);
    expect((await emitAck(bobTab, 'dm:send', { to: ann.username, body: 'still here', clientId: cid() })).ok).toBe(true);
  });
});
