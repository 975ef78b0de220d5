import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keySpace, type Redis } from '../redis/client.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, sameSessionOn, signal, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import type { SseClient } from '../test/sse-client.js';
import { decodeStreamEntry } from './events.js';
import { roomKeys } from './room-keys.js';

/**
 * One member's flood of joins, signals or state updates, with the default
 * limits, on two processes: the flood is refused, a real call's traffic is
 * not, and the room's replay stream stays bounded in bytes.
 */

let a: TestServer;
let b: TestServer;
let redis: Redis;
const streams: SseClient[] = [];
const track = (s: SseClient) => {
  streams.push(s);
  return s;
};

beforeAll(async () => {
  [a, b] = (await startTestCluster(2)) as [TestServer, TestServer];
  // The server's own connection: one server or a cluster, whichever the tests run on.
  redis = a.redis;
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

/** A second session (another browser) of the same account. */
async function secondSession(p: Person, server: TestServer): Promise<Person> {
  const client = server.client();
  const res = await client.post('/api/auth/login', { username: p.username, password: 'correct horse battery' });
  expect(res.status).toBe(200);
  return { client, username: p.username, server };
}

const joinStatus = async (p: Person, room: string) => {
  const res = await p.client.post(`/api/rooms/${room}/join`, {});
  return res.status === 200 ? 'ok' : `${res.status} ${res.body.error.code}`;
};

describe('peers per session and per user', () => {
  it('one session holds at most 2 peers of a room and one user at most 4, even when the joins race on both processes', async () => {
    const owner = await person(a, 'own');
    const mal = await person(a, 'mal');
    const room = uniqueRoomName('seats');
    await createRoom(owner, room, { capacity: 16 });

    const first = await Promise.all(Array.from({ length: 8 }, (_, i) => joinStatus(sameSessionOn(mal, i % 2 ? a : b), room)));
    expect(first.sort()).toEqual([...Array(6).fill('409 too_many_peers'), 'ok', 'ok']);
    const other = await secondSession(mal, b);
    const second = await Promise.all(Array.from({ length: 6 }, (_, i) => joinStatus(sameSessionOn(other, i % 2 ? a : b), room)));
    expect(second.sort()).toEqual([...Array(4).fill('409 too_many_peers'), 'ok', 'ok']);
    const third = await secondSession(mal, a);
    const refused = await third.client.post(`/api/rooms/${room}/join`, {});
    expect([refused.status, refused.body.error.code]).toEqual([409, 'too_many_peers']);
    expect(refused.body.error.message).toMatch(/account/);

    // Everyone else still finds seats: 4 of 16 are taken.
    expect((await owner.client.get(`/api/rooms/${room}`)).body.room.members).toBe(4);
    for (let i = 0; i < 12; i++) await join(await person(i % 2 ? a : b, 'seat'), room);
    expect(await joinStatus(await person(a, 'late'), room)).toBe('409 room_full');
  });

  it('a peer that leaves frees its place for the same session', async () => {
    const owner = await person(a, 'own');
    const room = uniqueRoomName('tabs');
    await createRoom(owner, room, { capacity: 16 });
    const peers = [await join(owner, room), await join(owner, room)];
    expect(await joinStatus(owner, room)).toBe('409 too_many_peers');
    expect((await owner.client.post(`/api/rooms/${room}/leave`, { peerId: peers[0] })).status).toBe(204);
    expect(await joinStatus(owner, room)).toBe('ok');
  });
});

describe('rate limits per user', () => {
  it('joins: 30 a minute, then 429 rate_limited with Retry-After, whichever process they reach', async () => {
    const p = await person(a, 'joiner');
    const room = uniqueRoomName('revolving');
    await createRoom(p, room);
    const statuses: string[] = [];
    for (let i = 0; i < 31; i++) {
      // Each process reports what it allowed on its own every 100 ms (src/auth/flood-limit.ts),
      // so a burst across processes may overshoot by what the last report had not yet told.
      // Before the last join, let both processes report: from then on the limit is exact.
      if (i === 30) await new Promise((r) => setTimeout(r, 300));
      const on = sameSessionOn(p, i % 2 ? a : b);
      const res = await on.client.post(`/api/rooms/${room}/join`, {});
      statuses.push(res.status === 200 ? 'ok' : res.body.error.code);
      if (res.status === 200) await on.client.post(`/api/rooms/${room}/leave`, { peerId: res.body.peerId });
      else {
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses).toEqual([...Array(30).fill('ok'), 'rate_limited']);
  });

  it('signals: a 16-person call’s burst passes; a flood of large signals is refused; other users are unaffected', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const cat = await person(a, 'cat');
    const room = uniqueRoomName('call');
    await createRoom(ann, room, { capacity: 16 });
    const annPeer = await join(ann, room);
    const bobPeer = await join(bob, room);
    const catPeer = await join(cat, room);
    // Offers pass only between members in the call.
    for (const [who, peer] of [
      [ann, annPeer],
      [bob, bobPeer],
    ] as const) {
      expect((await signal(who, room, { from: peer, type: 'state', data: { inCall: true, muted: false } })).status).toBe(202);
    }

    // Joining a call of 16: an offer (SDP of a few KiB) and 20 ICE candidates for each of 15 peers.
    const sdp = { type: 'offer', sdp: `v=0\r\n${'a=candidate-ish line of an offer\r\n'.repeat(120)}` };
    const candidate = { candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx raddr 0.0.0.0 rport 0', sdpMid: '0', sdpMLineIndex: 0 };
    const call: string[] = [];
    for (let peer = 0; peer < 15; peer++) {
      const batch = [signal(bob, room, { from: bobPeer, to: annPeer, type: 'offer', data: sdp })];
      for (let c = 0; c < 20; c++)
        batch.push(signal(sameSessionOn(bob, c % 2 ? a : b), room, { from: bobPeer, to: annPeer, type: 'candidate', data: candidate }));
      for (const res of await Promise.all(batch)) call.push(String(res.status));
    }
    expect(call.filter((s) => s !== '202')).toEqual([]);

    // 60 KiB each: a flood. The budget (1000 units per 10 s, 61 per such signal) has room for
    // about 10 of them after the call's 400 or so units, and everything after is refused.
    const big = { from: bobPeer, to: annPeer, type: 'candidate', data: { candidate: 'x'.repeat(60 * 1024) } };
    const flood: number[] = [];
    for (let i = 0; i < 40 && !flood.includes(429); i++) flood.push((await signal(sameSessionOn(bob, i % 2 ? a : b), room, big)).status);
    const accepted = flood.filter((s) => s === 202).length;
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(accepted).toBeLessThanOrEqual(11);
    expect(flood.at(-1)).toBe(429);
    // Now even a small one is refused, and only after a second's delay, so that a client keeping
    // many requests in flight gets few answers.
    const askedAt = performance.now();
    const refused = await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: candidate });
    expect([refused.status, refused.body.error.code]).toEqual([429, 'rate_limited']);
    expect(performance.now() - askedAt).toBeGreaterThanOrEqual(900);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(10);

    expect((await signal(cat, room, { from: catPeer, to: annPeer, type: 'candidate', data: candidate })).status).toBe(202);
  });

  it('state updates: 60 per 10 s, counted apart from other signals (one process: exactly)', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const room = uniqueRoomName('mute');
    await createRoom(ann, room);
    const annPeer = await join(ann, room);
    const bobPeer = await join(bob, room);
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      const res = await signal(ann, room, { from: annPeer, type: 'state', data: { inCall: true, muted: i % 2 === 0 } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(60).fill(202), 429]);
    expect((await signal(ann, room, { from: annPeer, to: bobPeer, type: 'hangup', data: null })).status).toBe(202);
  });
});

describe('the room replay stream', () => {
  it('holds at most ROOM_REPLAY_BYTES (1 MiB) plus one event; a resume gets every event it missed, or a fresh welcome when they are not all kept or too many to buffer', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const room = uniqueRoomName('replay');
    await createRoom(ann, room);
    const annPeer = await join(ann, room);
    const bobPeer = await join(bob, room);
    const annStream = track(await openStream(ann, room, annPeer));
    await annStream.nextOf('welcome');

    // 40 signals of 40 KiB: 1.6 MiB of events, more than one user's signal budget allows in 10 s
    // (41 units each), so they come from two members.
    const cat = await person(a, 'cat');
    const catPeer = await join(cat, room);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const data = { candidate: `${i} ${'y'.repeat(40 * 1024)}` };
      const [who, from] = i % 2 ? [bob, bobPeer] : [cat, catPeer];
      expect((await signal(who, room, { from, to: annPeer, type: 'candidate', data })).status).toBe(202);
      ids.push((await annStream.nextOf('signal')).id);
    }

    const { events } = roomKeys(keySpace(a.config.redisPrefix), room);
    const entries = (await redis.xrange(events, '-', '+')) as Array<[string, string[]]>;
    const bytes = entries.reduce((sum, [id, f]) => sum + decodeStreamEntry(id, f).data.length, 0);
    console.log(`[replay stream] ${entries.length} entries, ${(bytes / 1024).toFixed(0)} KiB after 40 signals of 40 KiB`);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    expect(bytes).toBeGreaterThan(1024 * 1024 - 64 * 1024);
    // Idle rooms' streams go after 10 minutes, not a day.
    expect(await redis.pttl(events)).toBeLessThanOrEqual(10 * 60 * 1000);
    const firstKept = entries[0]![0];
    const keptFrom = ids.indexOf(firstKept);
    expect(keptFrom).toBeGreaterThan(0);

    // Resuming after an event that is no longer kept: a fresh welcome, never a gap.
    const stale = track(await openStream(ann, room, annPeer, ids[keptFrom - 2]));
    expect((await stale.next()).event).toBe('welcome');
    stale.close();
    // Resuming after a kept event: every later event, in order, then live ones.
    const resumed = track(await openStream(ann, room, annPeer, ids.at(-5)));
    for (const id of ids.slice(-4)) expect(await resumed.next()).toMatchObject({ event: 'signal', id });
    const live = { candidate: 'live' };
    expect((await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: live })).status).toBe(202);
    expect((await resumed.next()).data.data).toEqual(live);
    resumed.close();
    // Kept, but more for this peer (over 900 KiB) than a stream may buffer (SSE_MAX_BUFFER_BYTES,
    // 256 KiB): written at once it would be cut off, again at every reconnection. A welcome instead.
    const tooMuch = track(await openStream(ann, room, annPeer, ids[keptFrom + 1]));
    expect((await tooMuch.next()).event).toBe('welcome');
  });
});
