import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, createRedis } from '../redis/client.js';
import { connected, dmSocket, emitAck } from '../test/dm-helpers.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { testRedisTarget } from '../test/services.js';
import { createRoom, join, person, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import { SseClient, type SseEvent } from '../test/sse-client.js';

/**
 * The lobby stream (`GET /api/lobby/events`) across two Parley processes sharing
 * MySQL and Redis: what is done through A reaches a lobby open on B within 1 s,
 * and nothing of a call's private room reaches it at all.
 */

let a: TestServer;
let b: TestServer;
const streams: SseClient[] = [];

beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { ROOM_MEMBER_TIMEOUT_MS: '1500', SSE_KEEPALIVE_MS: '300' })) as [TestServer, TestServer];
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

async function openLobby(p: Person, server: TestServer = p.server): Promise<SseClient> {
  const cookie = [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const sse = new SseClient(`${server.baseUrl}/api/lobby/events`, { cookie, accept: 'text/event-stream' });
  streams.push(sse);
  await sse.open();
  return sse;
}

const about = (name: string) => (e: SseEvent) => (e.event === 'room-deleted' ? e.data.name : e.data.room?.name) === name;

/** The next event about `name`, which must come within 1 s. */
async function within1s(sse: SseClient, name: string, event: string) {
  const started = Date.now();
  const e = await sse.next((x) => about(name)(x) && x.event === event, 1000);
  expect(Date.now() - started).toBeLessThan(1000);
  return e;
}

describe('the lobby stream', () => {
  it('refuses a signed-out client with 401', async () => {
    const sse = new SseClient(`${b.baseUrl}/api/lobby/events`, { accept: 'text/event-stream' });
    streams.push(sse);
    expect(await sse.open()).toBe(401);
  });

  it('starts with the rooms snapshot, then shows a room created, joined, left and deleted through the other process', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const existing = uniqueRoomName('before');
    await createRoom(ann, existing, { capacity: 4, password: 'sesame' });
    // The watcher signs up first: Ann holds no stream, so the sweep removes her 1.5 s after she
    // joins, and a sign-up (an argon2 hash) on a busy machine could take most of that.
    const watcher = await person(b, 'watch');
    await join(ann, existing);
    const lobby = await openLobby(watcher);
    expect(lobby.status).toBe(200);
    expect(lobby.responseHeaders['content-type']).toMatch(/^text\/event-stream/);
    expect(lobby.responseHeaders['cache-control']).toBe('no-cache, no-transform');
    // Written straight to Node, past the middleware: the app's security headers must still be there.
    expect(lobby.responseHeaders['x-content-type-options']).toBe('nosniff');
    const first = await lobby.next();
    expect(first.event).toBe('rooms');
    // The snapshot is what GET /api/rooms answers.
    const listed = (await watcher.client.get('/api/rooms')).body.rooms;
    expect(first.data.rooms.find((r: { name: string }) => r.name === existing)).toEqual(listed.find((r: { name: string }) => r.name === existing));
    expect(first.data.rooms.find((r: { name: string }) => r.name === existing)).toMatchObject({ members: 1, capacity: 4, locked: true });

    const room = uniqueRoomName('live');
    await createRoom(ann, room, { capacity: 3 });
    expect((await within1s(lobby, room, 'room-created')).data.room).toMatchObject({ name: room, owner: ann.username, members: 0, capacity: 3, locked: false });

    const annPeer = await join(ann, room);
    expect((await within1s(lobby, room, 'room-updated')).data.room).toMatchObject({ name: room, members: 1, capacity: 3, locked: false });
    await join(bob, room);
    expect((await within1s(lobby, room, 'room-updated')).data.room.members).toBe(2);
    expect((await ann.client.post(`/api/rooms/${room}/leave`, { peerId: annPeer })).status).toBe(204);
    expect((await within1s(lobby, room, 'room-updated')).data.room.members).toBe(1);

    expect((await ann.client.delete(`/api/rooms/${room}`)).status).toBe(204);
    expect((await within1s(lobby, room, 'room-deleted')).data).toEqual({ name: room });
    // Nothing about the room after its deletion (no late count from the closing).
    await new Promise((r) => setTimeout(r, 400));
    expect(lobby.events.slice(lobby.events.findIndex((e) => e.event === 'room-deleted' && e.data.name === room) + 1).filter(about(room))).toEqual([]);
    // Keep-alives flow while nothing happens.
    expect(lobby.comments).toBeGreaterThan(0);
  });

  it('shows members removed by the timeout sweep and by a logout', async () => {
    const ann = await person(a, 'ann');
    const cat = await person(a, 'cat');
    const room = uniqueRoomName('sweep');
    await createRoom(ann, room);
    const lobby = await openLobby(await person(b, 'watch'));
    await lobby.nextOf('rooms');
    // Cat joins and never opens her stream: the sweeper removes her after the member timeout.
    await join(cat, room);
    expect((await within1s(lobby, room, 'room-updated')).data.room.members).toBe(1);
    const swept = await lobby.next((e) => about(room)(e) && e.event === 'room-updated', 5000);
    expect(swept.data.room.members).toBe(0);

    await join(ann, room);
    expect((await within1s(lobby, room, 'room-updated')).data.room.members).toBe(1);
    expect((await ann.client.post('/api/auth/logout')).status).toBeLessThan(300);
    expect((await within1s(lobby, room, 'room-updated')).data.room.members).toBe(0);
  });

  it('shows the owner’s changes: a member removed, the capacity and the password', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const room = uniqueRoomName('owned');
    await createRoom(ann, room, { capacity: 4 });
    const lobby = await openLobby(await person(b, 'watch'));
    await lobby.nextOf('rooms');
    await join(ann, room);
    const bobPeer = await join(bob, room);
    await lobby.next((e) => about(room)(e) && e.event === 'room-updated' && e.data.room.members === 2, 1500);
    expect((await ann.client.post(`/api/rooms/${room}/remove`, { peerId: bobPeer })).status).toBe(204);
    expect((await within1s(lobby, room, 'room-updated')).data.room.members).toBe(1);

    expect((await ann.client.patch(`/api/rooms/${room}`, { capacity: 6, password: 'sesame12' })).status).toBe(200);
    expect((await within1s(lobby, room, 'room-updated')).data.room).toMatchObject({ members: 1, capacity: 6, locked: true });
    expect((await ann.client.patch(`/api/rooms/${room}`, { password: null })).status).toBe(200);
    expect((await within1s(lobby, room, 'room-updated')).data.room).toMatchObject({ capacity: 6, locked: false });
  });

  it('coalesces a burst of joins: at most one room-updated per 250 ms, ending with the latest count', async () => {
    const owner = await person(a, 'own');
    const room = uniqueRoomName('burst');
    await createRoom(owner, room, { capacity: 8 });
    const people = await Promise.all([1, 2, 3, 4, 5, 6].map(() => person(a, 'j')));
    const lobby = await openLobby(await person(b, 'watch'));
    await lobby.nextOf('rooms');
    const started = Date.now();
    await Promise.all(people.map((p) => join(p, room)));
    const span = Date.now() - started;
    const last = await lobby.next((e) => about(room)(e) && e.data.room.members === 6, 1500);
    expect(last.event).toBe('room-updated');
    await new Promise((r) => setTimeout(r, 400));
    const updates = lobby.events.filter((e) => about(room)(e) && e.event === 'room-updated');
    expect(updates.at(-1)!.data.room.members).toBe(6);
    expect(updates.length).toBeLessThanOrEqual(Math.floor(span / 250) + 2);
    expect(updates.length).toBeLessThan(6);
  });

  it('drops a late event older than the last one forwarded for its room (a slow publisher’s stale count)', async () => {
    const ann = await person(a, 'ann');
    const room = uniqueRoomName('stale');
    await createRoom(ann, room);
    const lobby = await openLobby(await person(b, 'watch'));
    await lobby.nextOf('rooms');
    await join(ann, room);
    const fresh = await within1s(lobby, room, 'room-updated');
    expect(fresh.data.room.members).toBe(1);
    // What a publisher that read the count before that join, and was slow to publish, would send:
    // numbered below the event just forwarded. Then one numbered above, which must pass.
    const redis = createRedis(testRedisTarget(), 'lobby-test');
    await connectRedis(redis);
    try {
      const channel = `${b.config.redisPrefix}lobby:ch`;
      const seq = Number(await redis.get(`${b.config.redisPrefix}lobby:seq`));
      const message = (s: number, members: number) =>
        JSON.stringify({ s, t: 'room-updated', n: room, d: JSON.stringify({ room: { ...fresh.data.room, members } }) });
      await redis.publish(channel, message(seq - 100, 0));
      await redis.publish(channel, message(seq + 1, 1));
      const next = await within1s(lobby, room, 'room-updated');
      expect(next.data.room.members).toBe(1);
      expect(lobby.events.filter((e) => about(room)(e) && e.event === 'room-updated').map((e) => e.data.room.members)).toEqual([1, 1]);
    } finally {
      await closeRedis(redis);
    }
  });

  it('ends a session’s lobby streams when it signs out, on every process', async () => {
    const dee = await person(b, 'dee');
    const here = await openLobby(dee);
    const there = await openLobby(dee, a);
    await here.nextOf('rooms');
    await there.nextOf('rooms');
    expect((await dee.client.post('/api/auth/logout')).status).toBeLessThan(300);
    await here.whenEnded(2000);
    await there.whenEnded(2000);
    // And the session cannot open another.
    expect((await openLobby(dee)).status).toBe(401);
  });

  it('limits the lobby streams one user holds in a process', async () => {
    const eve = await person(b, 'eve');
    const open: SseClient[] = [];
    for (let i = 0; i < 8; i++) {
      const s = await openLobby(eve);
      expect(s.status).toBe(200);
      open.push(s);
    }
    const refused = await openLobby(eve);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.errorBody || '{}').error?.code ?? refused.errorBody).toMatch(/too_many_streams/);
    // Another user, and the same user on another process, are not affected.
    expect((await openLobby(await person(b, 'fay'))).status).toBe(200);
    expect((await openLobby(eve, a)).status).toBe(200);
    // A closed stream frees its place.
    open[0]!.close();
    let again: SseClient | undefined;
    for (let i = 0; i < 20 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await openLobby(eve);
    }
    expect(again!.status).toBe(200);
  });

  it('never shows a call’s private room: not in the snapshot, not created, joined or deleted', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const watcher = await person(b, 'watch');
    const lobbies = [await openLobby(watcher), await openLobby(ann, b)];
    const annTab = await connected(dmSocket(ann));
    try {
      const { call } = await emitAck(annTab, 'call:ring', { to: bob.username });
      await join(ann, call.room);
      // A lobby opened while the call's room exists, with Ann in it: its snapshot leaves it out.
      lobbies.push(await openLobby(bob, b));
      await emitAck(annTab, 'call:cancel', { id: call.id });
      // A room created afterwards: once its event is here, anything about the call's room would have been too.
      const marker = uniqueRoomName('after');
      await createRoom(ann, marker);
      for (const lobby of lobbies) {
        await within1s(lobby, marker, 'room-created');
        const seen = lobby.events.flatMap((e) =>
          e.event === 'rooms' ? e.data.rooms.map((r: { name: string }) => r.name) : [e.data.name ?? e.data.room?.name],
        );
        expect(seen).not.toContain(call.room);
      }
    } finally {
      annTab.disconnect();
    }
  });
});
