import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, signal, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import type { SseClient } from '../test/sse-client.js';
import { normaliseRoomName } from './names.js';

let server: TestServer;
let owner: Person;
let other: Person;
const streams: SseClient[] = [];
const track = (s: SseClient) => {
  streams.push(s);
  return s;
};

beforeAll(async () => {
  server = await startTestServer({ ROOM_MEMBER_TIMEOUT_MS: '1500' });
  owner = await person(server, 'own');
  other = await person(server, 'oth');
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
afterAll(async () => {
  await server?.stop();
});

describe('room names', () => {
  it.each([
    ['  Friday   Standup ', 'friday-standup'],
    ['MIXED_case-1', 'mixed_case-1'],
    ['tab\tand\nnewline', 'tab-and-newline'],
  ])('normalises %j to %s', (raw, name) => {
    expect(normaliseRoomName(raw)).toBe(name);
  });
});

describe('POST /api/rooms', () => {
  it('creates a room: 201 {room} with defaults', async () => {
    const name = uniqueRoomName();
    const res = await owner.client.post('/api/rooms', { name: `  ${name.toUpperCase()} ` });
    expect(res.status).toBe(201);
    expect(res.body.room).toEqual({
      name,
      owner: owner.username,
      members: 0,
      capacity: 8,
      locked: false,
      private: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('refuses a name that normalises to an existing room with 409 room_exists', async () => {
    const name = `${uniqueRoomName()}-x`;
    await createRoom(owner, name);
    const res = await other.client.post('/api/rooms', { name: name.replace(/-/g, ' ').toUpperCase() });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('room_exists');
  });

  it.each([[''], ['   '], ['-starts-with-dash'], ['has/slash'], ['ünïcode'], ['a'.repeat(65)], [42], [null]])(
    'refuses the name %j with 400 invalid_room_name',
    async (name) => {
      const res = await owner.client.post('/api/rooms', { name });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_room_name');
    },
  );

  it.each([[1], [17], [2.5], ['8']])('refuses capacity %j with 400 invalid_input', async (capacity) => {
    const res = await owner.client.post('/api/rooms', { name: uniqueRoomName(), capacity });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
  });

  it('accepts capacities 2 and 16 and a password, which makes the room locked', async () => {
    expect((await createRoom(owner, uniqueRoomName(), { capacity: 2 })).capacity).toBe(2);
    const locked = await createRoom(owner, uniqueRoomName(), { capacity: 16, password: 'open sesame' });
    expect(locked).toMatchObject({ capacity: 16, locked: true });
  });
});

describe('GET /api/rooms and /api/rooms/:name', () => {
  it('lists rooms newest first with live member counts and the lock mark', async () => {
    const open = uniqueRoomName('open');
    const locked = uniqueRoomName('lock');
    await createRoom(owner, open);
    await createRoom(owner, locked, { password: 'pw' });
    await join(other, open);
    const res = await other.client.get('/api/rooms');
    expect(res.status).toBe(200);
    const names = res.body.rooms.map((r: { name: string }) => r.name);
    expect(names.indexOf(locked)).toBeLessThan(names.indexOf(open));
    const byName = Object.fromEntries(res.body.rooms.map((r: { name: string }) => [r.name, r]));
    expect(byName[open]).toMatchObject({ members: 1, locked: false, owner: owner.username });
    expect(byName[locked]).toMatchObject({ members: 0, locked: true });
  });

  it('describes one room with its members; 404 room_not_found for an unknown one', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name);
    const peerId = await join(other, name);
    const res = await owner.client.get(`/api/rooms/${name.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.room.members).toBe(1);
    expect(res.body.members).toEqual([
      { peerId, user: { id: expect.any(Number), username: other.username, displayName: other.username }, inCall: false, muted: false },
    ]);
    const missing = await owner.client.get(`/api/rooms/${uniqueRoomName('nope')}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('room_not_found');
  });

  it('shows who is in a locked room only to its members and owner', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name, { password: 'pw-pw-pw' });
    await join(owner, name);
    const outsider = await other.client.get(`/api/rooms/${name}`);
    expect(outsider.body).toMatchObject({ room: { members: 1, locked: true }, members: [] });
    expect((await owner.client.get(`/api/rooms/${name}`)).body.members).toHaveLength(1);
  });
});

describe('POST /api/rooms/:name/join', () => {
  it('answers {room, peerId, members} with a fresh peerId per tab', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name);
    const first = await other.client.post(`/api/rooms/${name}/join`);
    const second = await other.client.post(`/api/rooms/${name}/join`, {});
    expect(first.status).toBe(200);
    expect(first.body.peerId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second.body.peerId).not.toBe(first.body.peerId);
    expect(second.body.room).toMatchObject({ name, members: 2 });
    expect(second.body.members.map((m: { peerId: string }) => m.peerId).sort()).toEqual([first.body.peerId, second.body.peerId].sort());
  });

  it('refuses joins past capacity with 409 room_full, and has room again after a leave', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name, { capacity: 2 });
    const p1 = await join(owner, name);
    await join(other, name);
    const full = await other.client.post(`/api/rooms/${name}/join`);
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('room_full');
    expect((await owner.client.post(`/api/rooms/${name}/leave`, { peerId: p1 })).status).toBe(204);
    expect((await other.client.post(`/api/rooms/${name}/join`)).status).toBe(200);
  });

  it('never lets concurrent joins overfill a room', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name, { capacity: 3 });
    // Ten people: one session may hold only two peers of a room.
    const people = await Promise.all(Array.from({ length: 10 }, () => person(server, 'crowd')));
    const results = await Promise.all(people.map((p) => p.client.post(`/api/rooms/${name}/join`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
  });

  it('checks the password: 403 wrong_password when missing or wrong; the owner needs none', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name, { password: 'correct pw' });
    for (const body of [{}, { password: 'wrong pw' }, { password: '' }]) {
      const res = await other.client.post(`/api/rooms/${name}/join`, body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('wrong_password');
    }
    expect((await other.client.post(`/api/rooms/${name}/join`, { password: 'correct pw' })).status).toBe(200);
    expect((await owner.client.post(`/api/rooms/${name}/join`)).status).toBe(200);
  });

  it('says a full locked room is full (409 room_full) before it checks the password, and counts no attempt', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name, { password: 'correct pw', capacity: 2 });
    await join(owner, name);
    const third = await person(server, 'third');
    const thirdPeer = await join(third, name, { password: 'correct pw' });
    for (const body of [{}, { password: 'wrong pw' }, { password: 'correct pw' }]) {
      const res = await other.client.post(`/api/rooms/${name}/join`, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('room_full');
    }
    // Not full any more: the password is asked for again, and the refusals above cost no attempts.
    expect((await third.client.post(`/api/rooms/${name}/leave`, { peerId: thirdPeer })).status).toBe(204);
    expect((await other.client.post(`/api/rooms/${name}/join`, {})).body.error.code).toBe('wrong_password');
    expect((await other.client.post(`/api/rooms/${name}/join`, { password: 'correct pw' })).status).toBe(200);
  });

  it('slows down password guessing with 429 too_many_attempts', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name, { password: 'correct pw' });
    const guesser = await person(server, 'guess');
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await guesser.client.post(`/api/rooms/${name}/join`, { password: `g${i}` })).status);
    expect(statuses.slice(0, 10).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('answers 404 room_not_found and 400 invalid_room_name', async () => {
    expect((await other.client.post(`/api/rooms/${uniqueRoomName('gone')}/join`)).body.error.code).toBe('room_not_found');
    expect((await other.client.post('/api/rooms/-bad-/join')).body.error.code).toBe('invalid_room_name');
  });
});

describe('DELETE /api/rooms/:name', () => {
  it('lets only the owner delete; members get room-closed, their streams end, and the name is free', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name);
    const peer = await join(other, name);
    const stream = track(await openStream(other, name, peer));
    await stream.nextOf('welcome');

    const refused = await other.client.delete(`/api/rooms/${name}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('not_room_owner');

    expect((await owner.client.delete(`/api/rooms/${name}`)).status).toBe(204);
    expect((await stream.nextOf('room-closed')).data).toEqual({ reason: 'deleted' });
    await stream.whenEnded();
    expect((await owner.client.get(`/api/rooms/${name}`)).status).toBe(404);
    expect((await owner.client.delete(`/api/rooms/${name}`)).status).toBe(404);

    // A new room by the same name starts empty; the old peer means nothing in it.
    await createRoom(other, name);
    expect((await other.client.get(`/api/rooms/${name}`)).body.members).toEqual([]);
    await join(other, name);
    const stale = await openStream(other, name, peer);
    expect(track(stale).status).toBe(403);
  });
});

describe('room chat', () => {
  it('stores a member’s message, sends it as a chat event, and serves the last 100 oldest first', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name);
    const ownerPeer = await join(owner, name);
    const otherPeer = await join(other, name);
    const stream = track(await openStream(other, name, otherPeer));
    await stream.nextOf('welcome');

    const res = await owner.client.post(`/api/rooms/${name}/messages`, { from: ownerPeer, body: '  <img src=x onerror=alert(1)>  ' });
    expect(res.status).toBe(201);
    expect(res.body.message).toEqual({
      id: expect.any(Number),
      peerId: ownerPeer,
      user: { id: expect.any(Number), username: owner.username, displayName: owner.username },
      body: '<img src=x onerror=alert(1)>',
      createdAt: expect.any(String),
    });
    expect((await stream.nextOf('chat')).data).toEqual({ message: res.body.message });

    const history = await other.client.get(`/api/rooms/${name}/messages`);
    expect(history.status).toBe(200);
    expect(history.body.messages).toEqual([res.body.message]);
  });

  it('keeps the last 100', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name);
    const peer = await join(owner, name);
    const s = await startTestServer({ REDIS_PREFIX: server.config.redisPrefix });
    try {
      // A second process without the chat rate limit in the way: post straight into storage.
      const { insertChatMessage } = await import('./store.js');
      const { findRoomByName } = await import('./store.js');
      const room = (await findRoomByName(s.database.db, name))!;
      const me = (await owner.client.get('/api/me')).body.user;
      for (let i = 1; i <= 105; i++) await insertChatMessage(s.database.db, { roomId: room.id, user: me, peerId: peer, body: `#${i}` });
    } finally {
      await s.stop();
    }
    const history = await owner.client.get(`/api/rooms/${name}/messages`);
    expect(history.status, history.text).toBe(200);
    expect(history.body.messages).toHaveLength(100);
    expect(history.body.messages[0].body).toBe('#6');
    expect(history.body.messages[99].body).toBe('#105');
  });

  it('refuses non-members (403), someone else’s peer (403) and bad bodies (400)', async () => {
    const name = uniqueRoomName();
    await createRoom(owner, name);
    const ownerPeer = await join(owner, name);
    const read = await other.client.get(`/api/rooms/${name}/messages`);
    expect(read.status).toBe(403);
    expect(read.body.error.code).toBe('not_a_member');
    const forged = await other.client.post(`/api/rooms/${name}/messages`, { from: ownerPeer, body: 'as you' });
    expect(forged.status).toBe(403);
    for (const body of ['', '   ', 'x'.repeat(4001), 42, null]) {
      const res = await owner.client.post(`/api/rooms/${name}/messages`, { from: ownerPeer, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect((await owner.client.get(`/api/rooms/${name}/messages`)).body.messages).toEqual([]);
    expect((await owner.client.get(`/api/rooms/${uniqueRoomName('none')}/messages`)).status).toBe(404);
  });

  it('limits how fast one person can post: 429 rate_limited', async () => {
    const name = uniqueRoomName();
    const chatty = await person(server, 'chatty');
    await createRoom(chatty, name);
    const peer = await join(chatty, name);
    const statuses = [];
    for (let i = 0; i < 22; i++) statuses.push((await chatty.client.post(`/api/rooms/${name}/messages`, { from: peer, body: `${i}` })).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });
});

describe('signal and stream errors', () => {
  let name: string;
  let ownerPeer: string;
  let otherPeer: string;
  beforeAll(async () => {
    name = uniqueRoomName();
    await createRoom(owner, name);
    ownerPeer = await join(owner, name);
    otherPeer = await join(other, name);
  });

  it('refuses a stream without a session (401), for another session’s peer (403), for an unknown room (404), without peer (400)', async () => {
    const anon = { ...other, client: server.client() };
    expect(track(await openStream(anon, name, otherPeer)).status).toBe(401);
    expect(track(await openStream(other, name, ownerPeer)).status).toBe(403);
    expect(track(await openStream(other, uniqueRoomName('x'), otherPeer)).status).toBe(404);
    expect((await other.client.get(`/api/rooms/${name}/events`)).status).toBe(400);
  });

  it.each([
    ['an unknown type', { type: 'shout', to: 'TO', data: {} }],
    ['a missing to', { type: 'offer', data: {} }],
    ['a malformed to', { type: 'offer', to: 'not a peer', data: {} }],
    ['state without flags', { type: 'state', data: { inCall: 'yes' } }],
    ['a malformed from', { type: 'offer', to: 'TO', from: 'x', data: {} }],
  ] as Array<[string, Record<string, unknown>]>)('answers %s with 400 invalid_input', async (_label, body) => {
    const res = await signal(other, name, { from: otherPeer, ...body, ...(body.to === 'TO' ? { to: ownerPeer } : {}) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
  });

  it('answers 403 not_a_member for a from that is not this session’s, 404 peer_not_found for an unknown to', async () => {
    const forged = await signal(other, name, { from: ownerPeer, to: otherPeer, type: 'offer', data: {} });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('not_a_member');
    const nobody = await signal(other, name, { from: otherPeer, to: 'AAAAAAAAAAAAAAAAAAAAAA', type: 'offer', data: {} });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('peer_not_found');
    const noRoom = await signal(other, uniqueRoomName('void'), { from: otherPeer, to: ownerPeer, type: 'offer', data: {} });
    expect(noRoom.status).toBe(404);
    expect(noRoom.body.error.code).toBe('room_not_found');
  });

  it('refuses signals over 64 KiB with 413 payload_too_large', async () => {
    const res = await signal(other, name, { from: otherPeer, to: ownerPeer, type: 'offer', data: 'x'.repeat(65 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    const ok = await signal(other, name, { from: otherPeer, to: ownerPeer, type: 'candidate', data: 'x'.repeat(60 * 1024) });
    expect(ok.status).toBe(202);
  });

  it('answers 401 to every room route without a session', async () => {
    const anon = server.client();
    for (const [method, path] of [
      ['GET', '/api/rooms'],
      ['POST', '/api/rooms'],
      ['GET', `/api/rooms/${name}`],
      ['POST', `/api/rooms/${name}/join`],
      ['POST', `/api/rooms/${name}/signal`],
      ['POST', `/api/rooms/${name}/messages`],
      ['GET', `/api/rooms/${name}/messages`],
      ['POST', `/api/rooms/${name}/leave`],
      ['DELETE', `/api/rooms/${name}`],
      ['GET', '/api/ice-servers'],
    ] as const) {
      const res = await anon.request(method, path, { json: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });
});

describe('GET /api/ice-servers', () => {
  it('returns the configured servers and coturn-style ephemeral TURN credentials', async () => {
    const secret = 'a-shared-secret-for-coturn';
    const s = await startTestServer({
      ICE_SERVERS: JSON.stringify([{ urls: 'stun:stun.parley.test:3478' }]),
      TURN_URLS: 'turn:turn.parley.test:3478?transport=udp, turn:turn.parley.test:3478?transport=tcp',
      TURN_SECRET: secret,
      TURN_TTL_SECONDS: '600',
    });
    try {
      const p = await person(s, 'ice');
      const res = await p.client.get('/api/ice-servers');
      expect(res.status).toBe(200);
      expect(res.body.ttl).toBe(600);
      const [stun, turn] = res.body.iceServers;
      expect(stun).toEqual({ urls: 'stun:stun.parley.test:3478' });
      expect(turn.urls).toEqual(['turn:turn.parley.test:3478?transport=udp', 'turn:turn.parley.test:3478?transport=tcp']);
      const [expiry, userId] = turn.username.split(':').map(Number);
      const me = (await p.client.get('/api/me')).body.user;
      expect(userId).toBe(me.id);
      expect(expiry).toBeGreaterThan(Date.now() / 1000 + 590);
      expect(expiry).toBeLessThan(Date.now() / 1000 + 610);
      expect(turn.credential).toBe(createHmac('sha1', secret).update(turn.username).digest('base64'));
    } finally {
      await s.stop();
    }
  });

  it('returns an empty list when nothing is configured', async () => {
    const res = await owner.client.get('/api/ice-servers');
    expect(res.body).toEqual({ iceServers: [], ttl: 3600 });
  });
});
