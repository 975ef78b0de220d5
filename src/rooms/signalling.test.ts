import net from 'node:net';
import { eq } from 'drizzle-orm';
import { sessionIdFromToken } from '../auth/session.js';
import { sessions } from '../db/schema.js';
import { keySpace, nodeFor } from '../redis/client.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, startTestServer, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, roomWithTwoStreams, seatTwo, signal, uniqueRoomName } from '../test/rooms-helpers.js';
import type { SseClient } from '../test/sse-client.js';
import { roomKeys } from './room-keys.js';

/**
 * Two Parley processes sharing MySQL and Redis, members on each: every
 * event crosses processes through Redis. Member timeout is shortened to
 * 3 s so "left after 20 s" can be observed quickly; the logic is the same.
 */

let a: TestServer;
let b: TestServer;
const streams: SseClient[] = [];
const track = (s: SseClient) => {
  streams.push(s);
  return s;
};

beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { ROOM_MEMBER_TIMEOUT_MS: '3000', SSE_KEEPALIVE_MS: '300' })) as [TestServer, TestServer];
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

async function roomWithTwo() {
  const seated = await roomWithTwoStreams(a, b);
  track(seated.annStream);
  track(seated.bobStream);
  return seated;
}

describe('the room event stream', () => {
  it('opens with welcome listing the members, and tells the others member-joined, across processes', async () => {
    const { ann, bob, annPeer, bobPeer, annStream, bobStream } = await roomWithTwo();
    const welcome = await bobStream.next();
    expect(welcome.event).toBe('welcome');
    expect(welcome.id).toMatch(/^\d+-\d+$/);
    expect(welcome.data.peerId).toBe(bobPeer);
    expect(welcome.data.members.map((m: { peerId: string }) => m.peerId).sort()).toEqual([annPeer, bobPeer].sort());
    const joined = await annStream.nextOf('member-joined');
    expect(joined.data.member).toEqual({
      peerId: bobPeer,
      user: { id: expect.any(Number), username: bob.username, displayName: bob.username },
      inCall: false,
      muted: false,
    });
    // Nobody is told of their own arrival.
    await bobStream
      .next((e) => e.event === 'member-joined' && e.data.member.peerId === bobPeer, 300)
      .then(
        () => expect.unreachable('own member-joined'),
        () => {},
      );
    expect(ann.username).not.toBe(bob.username);
  });

  it('sends Cache-Control: no-cache, X-Accel-Buffering: no and keep-alive comments', async () => {
    const { ann, room, annPeer } = await roomWithTwo();
    const s = track(await openStream(ann, room, annPeer));
    expect(s.status).toBe(200);
    expect(s.responseHeaders['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.responseHeaders['cache-control']).toContain('no-cache');
    expect(s.responseHeaders['x-accel-buffering']).toBe('no');
    await s.nextOf('welcome');
    const started = Date.now();
    while (s.comments === 0 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 50));
    expect(s.comments).toBeGreaterThan(0);
  });

  it('delivers a signal only to the addressed peer, across processes, never echoed', async () => {
    const { ann, bob, room, annPeer, bobPeer, annStream, bobStream } = await roomWithTwo();
    const cat = await person(a, 'cat');
    const catPeer = await join(cat, room);
    const catStream = track(await openStream(cat, room, catPeer));
    await catStream.nextOf('welcome');

    // Offers pass only between members in the call.
    for (const [who, peer] of [
      [ann, annPeer],
      [bob, bobPeer],
    ] as const) {
      expect((await signal(who, room, { from: peer, type: 'state', data: { inCall: true, muted: false } })).status).toBe(202);
    }
    // Posted to process B, addressed to a peer streaming from process A.
    const offer = { type: 'offer', sdp: 'v=0 fake offer' };
    expect((await signal(bob, room, { from: bobPeer, to: annPeer, type: 'offer', data: offer })).status).toBe(202);
    const got = await annStream.nextOf('signal');
    expect(got.data).toEqual({ from: bobPeer, type: 'offer', data: offer });

    // Posted to A, addressed to a peer streaming from B.
    expect((await signal(ann, room, { from: annPeer, to: bobPeer, type: 'answer', data: { sdp: 'a' } })).status).toBe(202);
    expect((await bobStream.nextOf('signal')).data).toEqual({ from: annPeer, type: 'answer', data: { sdp: 'a' } });

    for (const c of [
      { type: 'candidate', data: { candidate: 'c1' } },
      { type: 'hangup', data: null },
    ]) {
      expect((await signal(bob, room, { from: bobPeer, to: annPeer, ...c })).status).toBe(202);
      expect((await annStream.nextOf('signal')).data.type).toBe(c.type);
    }

    // A marker broadcast proves cat's stream is flowing and saw no signal before it.
    await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'marker' });
    await catStream.nextOf('chat');
    await bobStream.nextOf('chat');
    expect(catStream.events.filter((e) => e.event === 'signal')).toEqual([]);
    expect(bobStream.events.filter((e) => e.event === 'signal')).toHaveLength(1);
    expect(annStream.events.filter((e) => e.event === 'signal')).toHaveLength(3);
  });

  it('publishes state as member-state to everyone and keeps it in the member list', async () => {
    const { bob, room, bobPeer, annStream, bobStream } = await roomWithTwo();
    expect((await signal(bob, room, { from: bobPeer, type: 'state', data: { inCall: true, muted: true } })).status).toBe(202);
    const expected = { peerId: bobPeer, inCall: true, muted: true };
    expect((await annStream.nextOf('member-state')).data).toEqual(expected);
    expect((await bobStream.nextOf('member-state')).data).toEqual(expected);
    const info = await bob.client.get(`/api/rooms/${room}`);
    expect(info.body.members.find((m: { peerId: string }) => m.peerId === bobPeer)).toMatchObject({ inCall: true, muted: true });
  });

  it('gives ids that increase within the room', async () => {
    const { bob, room, bobPeer, annPeer, annStream } = await roomWithTwo();
    for (let i = 0; i < 5; i++) await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: { i } });
    for (let i = 0; i < 5; i++) await annStream.nextOf('signal');
    const ids = annStream.events.map((e) => e.id.split('-').map(BigInt));
    for (let i = 1; i < ids.length; i++) {
      const [pm, ps] = ids[i - 1]!;
      const [m, s] = ids[i]!;
      expect(m! > pm! || (m === pm && s! > ps!)).toBe(true);
    }
  });
});

describe('reconnecting with Last-Event-ID', () => {
  it('replays exactly what was missed, in order, then continues live; on the other process', async () => {
    const { ann, bob, room, annPeer, bobPeer, annStream } = await roomWithTwo();
    await annStream.nextOf('member-joined');
    const lastSeen = annStream.lastEventId!;
    annStream.close();

    // While ann is away: a signal for her, a chat, a state change and a signal for someone else.
    await signal(bob, room, { from: bobPeer, to: annPeer, type: 'answer', data: { n: 1 } });
    await bob.client.post(`/api/rooms/${room}/messages`, { from: bobPeer, body: 'while you were out' });
    await signal(bob, room, { from: bobPeer, type: 'state', data: { inCall: true, muted: false } });
    await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: { n: 2 } });

    // Ann's browser reconnects to the other process.
    const annOnB = { ...ann, server: b };
    const resumed = track(await openStream(annOnB, room, annPeer, lastSeen));
    const replayed = [await resumed.next(), await resumed.next(), await resumed.next(), await resumed.next()];
    expect(replayed.map((e) => [e.event, e.data.data?.n ?? e.data.message?.body ?? e.data.inCall])).toEqual([
      ['signal', 1],
      ['chat', 'while you were out'],
      ['member-state', true],
      ['signal', 2],
    ]);
    expect(resumed.events.some((e) => e.event === 'welcome')).toBe(false);

    await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: { n: 3 } });
    expect((await resumed.nextOf('signal')).data.data).toEqual({ n: 3 });
    const ids = resumed.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('loses nothing and repeats nothing while events arrive during the reconnect', async () => {
    const { bob, ann, room, annPeer, bobPeer, annStream } = await roomWithTwo();
    await annStream.nextOf('member-joined');
    let lastSeen = annStream.lastEventId!;
    const received: number[] = [];
    let sending = true;
    const sender = (async () => {
      for (let n = 0; sending && n < 400; n++) {
        await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: { n } });
      }
    })();
    let stream = annStream;
    for (let round = 0; round < 4; round++) {
      await new Promise((r) => setTimeout(r, 60));
      for (const e of stream.events) if (e.event === 'signal') received.push(e.data.data.n);
      lastSeen = stream.lastEventId ?? lastSeen;
      stream.close();
      stream = track(await openStream({ ...ann, server: round % 2 ? a : b }, room, annPeer, lastSeen));
    }
    sending = false;
    await sender;
    await signal(bob, room, { from: bobPeer, to: annPeer, type: 'hangup', data: null });
    await stream.next((e) => e.event === 'signal' && e.data.type === 'hangup', 10_000);
    for (const e of stream.events) if (e.event === 'signal' && e.data.type === 'candidate') received.push(e.data.data.n);
    expect(received.length).toBeGreaterThan(10);
    expect(received).toEqual([...Array(received.length).keys()]);
  });

  it('falls back to a fresh welcome when events after the id are no longer kept', async () => {
    const [s] = await startTestCluster(1, { ROOM_REPLAY_EVENTS: '10' });
    try {
      const { ann, bob, room, annPeer, bobPeer } = await seatTwo(s!);
      const annStream = track(await openStream(ann, room, annPeer));
      await annStream.nextOf('welcome');
      const lastSeen = annStream.lastEventId!;
      annStream.close();
      // Far more than the room keeps: the oldest are trimmed away.
      for (let n = 0; n < 300; n++) await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: { n } });
      const resumed = track(await openStream(ann, room, annPeer, lastSeen));
      const first = await resumed.next();
      expect(first.event).toBe('welcome');
      expect(first.data.members).toHaveLength(2);
      // Still live afterwards.
      await signal(bob, room, { from: bobPeer, to: annPeer, type: 'hangup', data: null });
      expect((await resumed.nextOf('signal')).data.type).toBe('hangup');
    } finally {
      await s!.stop();
    }
  });
});

describe('membership over time', () => {
  it('removes a member whose stream stays closed, with member-left to the others and live counts', async () => {
    const { bob, room, bobPeer, annStream, bobStream } = await roomWithTwo();
    await bobStream.nextOf('welcome');
    expect((await bob.client.get('/api/rooms')).body.rooms.find((r: { name: string }) => r.name === room).members).toBe(2);
    bobStream.close();
    const left = await annStream.next((e) => e.event === 'member-left', 10_000);
    expect(left.data).toEqual({ peerId: bobPeer, reason: 'timeout' });
    expect((await bob.client.get('/api/rooms')).body.rooms.find((r: { name: string }) => r.name === room).members).toBe(1);
    // The peer is no longer bob's to use.
    expect(await openStream(bob, room, bobPeer).then((s) => track(s).status)).toBe(403);
  });

  it('keeps a member who reconnects within the timeout', async () => {
    const { ann, room, annPeer, annStream, bobStream } = await roomWithTwo();
    await bobStream.nextOf('welcome');
    annStream.close();
    await new Promise((r) => setTimeout(r, 1000));
    const back = track(await openStream({ ...ann, server: b }, room, annPeer));
    await back.nextOf('welcome');
    await new Promise((r) => setTimeout(r, 4500));
    expect(bobStream.events.filter((e) => e.event === 'member-left')).toEqual([]);
  });

  it('removes a member who joined but never opened a stream', async () => {
    const { bob, room, annStream } = await roomWithTwo();
    const ghost = await join(bob, room);
    await annStream.next((e) => e.event === 'member-joined' && e.data.member.peerId === ghost);
    expect((await annStream.next((e) => e.event === 'member-left', 10_000)).data.peerId).toBe(ghost);
  });

  it('leave: 204, member-left to everyone, the leaver’s stream ends; another session cannot make you leave', async () => {
    const { ann, bob, room, bobPeer, annStream, bobStream } = await roomWithTwo();
    await bobStream.nextOf('welcome');
    const forged = await ann.client.post(`/api/rooms/${room}/leave`, { peerId: bobPeer });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('not_a_member');
    expect((await bob.client.post(`/api/rooms/${room}/leave`, { peerId: bobPeer })).status).toBe(204);
    expect((await annStream.nextOf('member-left')).data).toEqual({ peerId: bobPeer, reason: 'left' });
    expect((await bobStream.nextOf('member-left')).data.peerId).toBe(bobPeer);
    await bobStream.whenEnded();
    // Leaving again is harmless.
    expect((await bob.client.post(`/api/rooms/${room}/leave`, { peerId: bobPeer })).status).toBe(204);
  });
});

describe('a member’s new display name', () => {
  it('reaches every room the user is in as member-updated, across processes, and the member lists', async () => {
    const { ann, bob, room, bobPeer, annStream, bobStream } = await roomWithTwo();
    await bobStream.nextOf('welcome');
    // Bob is in a second room too, with his stream on the other process.
    const other = uniqueRoomName();
    await createRoom(ann, other);
    const annOther = await join(ann, other);
    const annOtherStream = track(await openStream(ann, other, annOther));
    await annOtherStream.nextOf('welcome');
    const bobOther = await join(bob, other);
    expect((await bob.client.patch('/api/me', { displayName: 'Robert' })).status).toBe(200);

    for (const [stream, peerId] of [
      [annStream, bobPeer],
      [bobStream, bobPeer],
      [annOtherStream, bobOther],
    ] as const) {
      const updated = await stream.nextOf('member-updated');
      expect(updated.data.member).toMatchObject({ peerId, user: { username: bob.username, displayName: 'Robert' }, inCall: false, muted: false });
    }
    for (const name of [room, other]) {
      const members = (await ann.client.get(`/api/rooms/${name}`)).body.members as Array<{ user: { username: string; displayName: string } }>;
      expect(members.find((m) => m.user.username === bob.username)?.user.displayName).toBe('Robert');
    }
  });
});

describe('sessions on event streams', () => {
  it('serves the stream intact when the session is due for renewal (renewal waits for an ordinary request)', async () => {
    const s = await startTestServer({ REDIS_PREFIX: a.config.redisPrefix, SESSION_CACHE_MS: '0' });
    try {
      const { ann, room, annPeer } = await seatTwo(s);
      const token = ann.client.cookies.get('parley_session')!;
      await s.database.db
        .update(sessions)
        .set({ expiresAt: new Date(Date.now() + 10 * 24 * 3600 * 1000) })
        .where(eq(sessions.id, sessionIdFromToken(token)));
      const stream = track(await openStream(ann, room, annPeer));
      expect(stream.status).toBe(200);
      expect(stream.responseHeaders['set-cookie']).toBeUndefined();
      await stream.nextOf('welcome');
      // The next ordinary request renews the session and its cookie.
      const me = await ann.client.get('/api/me');
      expect(me.headers.getSetCookie().some((c) => c.startsWith('parley_session='))).toBe(true);
    } finally {
      await s.stop();
    }
  });
});

describe('shutdown', () => {
  it('ends open streams and stops promptly; the members get their grace period to reconnect elsewhere', async () => {
    // A third process of the same deployment (same Redis prefix as a and b).
    const s = [await startTestServer({ REDIS_PREFIX: a.config.redisPrefix, ROOM_MEMBER_TIMEOUT_MS: '3000' })];
    const { ann, bob, room, annPeer, bobPeer } = await seatTwo(s[0]!, b);
    const annStream = track(await openStream(ann, room, annPeer));
    await annStream.nextOf('welcome');
    const started = Date.now();
    await s[0]!.stop();
    await annStream.whenEnded();
    expect(Date.now() - started).toBeLessThan(3000);
    // Ann's browser reconnects to another process in time and is still a member.
    const resumed = track(await openStream({ ...ann, server: b }, room, annPeer, annStream.lastEventId));
    expect(resumed.status).toBe(200);
    await signal(bob, room, { from: bobPeer, to: annPeer, type: 'candidate', data: { again: true } });
    expect((await resumed.nextOf('signal')).data.data).toEqual({ again: true });
  });
});

describe('resource use', () => {
  it('subscribes each process once per room, whatever the number of local streams, and unsubscribes after the last', async () => {
    const { bob, room, annStream, bobStream } = await roomWithTwo();
    await bobStream.nextOf('welcome');
    // The room's events are on a sharded channel (SSUBSCRIBE), counted by SHARDNUMSUB.
    const { channel } = roomKeys(keySpace(a.config.redisPrefix), room);
    const extra = [];
    // Three more members on process a (one session holds at most two peers of a room).
    for (let i = 0; i < 3; i++) {
      const more = await person(a, 'more');
      const peer = await join(more, room);
      extra.push(track(await openStream(more, room, peer)));
    }
    for (const s of extra) await s.nextOf('welcome');
    const [, subscribers] = (await nodeFor(a.redis, channel).pubsub('SHARDNUMSUB', channel)) as [string, number];
    expect(Number(subscribers)).toBe(2);
    for (const s of [annStream, bobStream, ...extra]) s.close();
    const started = Date.now();
    let n = 2;
    while (n > 0 && Date.now() - started < 3000) {
      n = Number(((await nodeFor(a.redis, channel).pubsub('SHARDNUMSUB', channel)) as [string, number])[1]);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(n).toBe(0);
    expect(bob.username).toBeDefined();
  });

  it('drops a client that stops reading, without holding up the others', async () => {
    // Bob sends up to 6 MB of offers, far past his signal budget; this test is about the reader.
    const [s] = await startTestCluster(1, { SSE_MAX_BUFFER_BYTES: '8192', ROOM_SIGNAL_MAX: '1000000' });
    try {
      const { ann, bob, room, annPeer, bobPeer } = await seatTwo(s!);
      const bobStream = track(await openStream(bob, room, bobPeer));
      await bobStream.nextOf('welcome');
      // Ann's "browser" connects and then never reads a byte.
      const cookie = [...ann.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const stuck = net.connect(s!.port, '127.0.0.1');
      stuck.write(`GET /api/rooms/${room}/events?peer=${annPeer} HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\n\r\n`);
      stuck.pause();
      let closed = false;
      stuck.on('close', () => (closed = true));
      stuck.on('error', () => {});
      while (s!.parley.hub.size < 2) await new Promise((r) => setTimeout(r, 20));
      const big = 'x'.repeat(60_000);
      for (let i = 0; i < 100 && s!.parley.hub.size > 1; i++) {
        await signal(bob, room, { from: bobPeer, to: annPeer, type: 'answer', data: { big } });
        await signal(ann, room, { from: annPeer, to: bobPeer, type: 'candidate', data: { i } });
        await bobStream.next((e) => e.event === 'signal' && e.data.data.i === i);
      }
      expect(s!.parley.hub.size).toBe(1);
      stuck.destroy();
      expect(closed || stuck.destroyed).toBe(true);
    } finally {
      await s!.stop();
    }
  });
});
