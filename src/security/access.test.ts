import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../test/client.js';
import { collect, connected, dmSocket, emitAck } from '../test/dm-helpers.js';
import { startTestCluster, uniqueUsername, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, roomWithTwoStreams, sameSessionOn, signal, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import type { SseClient } from '../test/sse-client.js';

/**
 * The "Access" scenario: who may read and do what, end to end, against two
 * Parley processes that share MySQL and Redis. People, tabs and streams are
 * spread over both processes on purpose, so that every refusal and every
 * non-delivery is checked on the path that crosses Redis as well as the
 * local one.
 *
 * Sessions are cached for 30 s here (far longer than the default), so a
 * logout can only be seen by the other process through its announcement.
 *
 * "Nothing leaked" is shown with markers rather than sleeps: after the
 * intruder's attempts, a legitimate event is sent down the same path; once
 * it has arrived, everything sent before it would have arrived too, so the
 * stream's (or socket's) full record can be compared exactly.
 */

let a: TestServer;
let b: TestServer;
const streams: SseClient[] = [];
const sockets: Socket[] = [];
const track = (s: SseClient) => {
  streams.push(s);
  return s;
};
const tab = async (p: Person, options?: Parameters<typeof dmSocket>[1]) => {
  const s = dmSocket(p, options);
  sockets.push(s);
  return connected(s);
};

/** Ann (on process A) creates a room and Bob (on B) joins; both streams open, past their welcome. */
async function seatedWithStreams(stem: string) {
  const seated = await roomWithTwoStreams(a, b, stem);
  track(seated.annStream);
  track(seated.bobStream);
  await seated.bobStream.nextOf('welcome');
  return seated;
}

beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { SESSION_CACHE_MS: '30000', ROOM_MEMBER_TIMEOUT_MS: '3000', DM_RATE_MAX: '1000' })) as [TestServer, TestServer];
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const EVIL = 'https://evil.example';
let seq = 0;
const cid = () => `acc${Date.now().toString(36)}${(seq++).toString(36)}`;
/** A peerId of the right shape that the server never issued. */
const guessedPeer = () => randomBytes(16).toString('base64url');

/** The error code of a refused stream (the body arrives after the status). */
async function refusedStream(s: SseClient): Promise<{ status: number; code: string }> {
  await s.whenEnded();
  expect(s.events).toEqual([]);
  return { status: s.status, code: JSON.parse(s.errorBody).error.code };
}

/** A client on `server` carrying exactly `cookies` (e.g. a copy taken before logout). */
function withCookies(server: TestServer, cookies: Map<string, string>, origin: string | null = server.config.origin): TestClient {
  const c = server.client(origin);
  for (const [k, v] of cookies) c.cookies.set(k, v);
  return c;
}

const chatBodies = (s: SseClient) => s.events.filter((e) => e.event === 'chat').map((e) => e.data.message.body);

// ---------------------------------------------------------------------------------------------

describe('1. rooms: a non-member reads nothing and sends nothing', () => {
  it('refuses guessed, leaked and foreign peerIds, chat and signals, on both processes, and nothing reaches anyone', async () => {
    const { ann, bob, room, annPeer, bobPeer, annStream, bobStream } = await seatedWithStreams('sec');
    const mal = await person(b, 'mal');
    await annStream.nextOf('member-joined');
    expect((await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'for members only' })).status).toBe(201);

    // Mallory is a member of her own room, with a live stream on process B, which also
    // carries Bob's stream of the first room: the hub there is subscribed to both rooms.
    const malRoom = uniqueRoomName('mal');
    await createRoom(mal, malRoom);
    const malPeer = await join(mal, malRoom);
    const malStream = track(await openStream(mal, malRoom, malPeer));
    await malStream.nextOf('welcome');

    // No stream: not with a guessed peerId, a leaked one of either member, or her peer of another room.
    for (const server of [a, b]) {
      const malHere = sameSessionOn(mal, server);
      for (const peer of [guessedPeer(), annPeer, bobPeer, malPeer]) {
        expect(await refusedStream(track(await openStream(malHere, room, peer)))).toEqual({ status: 403, code: 'not_a_member' });
      }
      // A member cannot take over another member's peer either.
      expect(await refusedStream(track(await openStream(sameSessionOn(bob, server), room, annPeer)))).toEqual({
        status: 403,
        code: 'not_a_member',
      });
    }

    // No chat history, no chat posted in anyone's name, no signals from someone else's peer.
    for (const server of [a, b]) {
      const m = sameSessionOn(mal, server).client;
      const history = await m.get(`/api/rooms/${room}/messages`);
      expect(history.status).toBe(403);
      expect(history.body.error.code).toBe('not_a_member');
      expect(history.text).not.toContain('for members only');
      for (const from of [annPeer, bobPeer, malPeer, guessedPeer()]) {
        const chat = await m.post(`/api/rooms/${room}/messages`, { from, body: `forged chat from ${from}` });
        expect([chat.status, chat.body.error.code]).toEqual([403, 'not_a_member']);
      }
      const forged = [
        { from: annPeer, to: bobPeer, type: 'offer', data: { sdp: 'forged offer' } },
        { from: bobPeer, to: annPeer, type: 'candidate', data: { candidate: 'forged' } },
        { from: malPeer, to: annPeer, type: 'offer', data: { sdp: 'from another room' } },
        { from: annPeer, type: 'state', data: { inCall: true, muted: true } },
      ];
      for (const body of forged) {
        const res = await m.post(`/api/rooms/${room}/signal`, body);
        expect([res.status, res.body.error.code]).toEqual([403, 'not_a_member']);
      }
      // Her own peer, in her own room, cannot reach a peer of another room.
      const across = await m.post(`/api/rooms/${malRoom}/signal`, { from: malPeer, to: annPeer, type: 'offer', data: { sdp: 'x' } });
      expect([across.status, across.body.error.code]).toEqual([404, 'peer_not_found']);
      // Nor can she make a member leave.
      const leave = await m.post(`/api/rooms/${room}/leave`, { peerId: bobPeer });
      expect([leave.status, leave.body.error.code]).toEqual([403, 'not_a_member']);
      // A member (Bob) cannot speak or signal as Ann either.
      const asAnn = await sameSessionOn(bob, server).client.post(`/api/rooms/${room}/signal`, {
        from: annPeer,
        to: bobPeer,
        type: 'offer',
        data: { sdp: 'bob as ann' },
      });
      expect([asAnn.status, asAnn.body.error.code]).toEqual([403, 'not_a_member']);
    }

    // Markers: one event in each room, in order after every attempt above.
    expect((await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'marker' })).status).toBe(201);
    expect((await mal.client.post(`/api/rooms/${malRoom}/messages`, { from: malPeer, body: 'mal marker' })).status).toBe(201);
    await annStream.next((e) => e.event === 'chat' && e.data.message.body === 'marker');
    await bobStream.next((e) => e.event === 'chat' && e.data.message.body === 'marker');
    await malStream.next((e) => e.event === 'chat' && e.data.message.body === 'mal marker');

    expect(annStream.events.map((e) => e.event)).toEqual(['welcome', 'member-joined', 'chat', 'chat']);
    expect(bobStream.events.map((e) => e.event)).toEqual(['welcome', 'chat', 'chat']);
    expect(chatBodies(annStream)).toEqual(['for members only', 'marker']);
    expect(chatBodies(bobStream)).toEqual(['for members only', 'marker']);
    // Mallory's stream of her own room carries nothing of the other room.
    expect(malStream.events.map((e) => e.event)).toEqual(['welcome', 'chat']);
    expect(JSON.stringify(malStream.events)).not.toContain(annPeer);

    // The room itself is as it was: the same two members, none of the forged messages.
    const members = (await ann.client.get(`/api/rooms/${room}`)).body.members.map((m: { peerId: string }) => m.peerId);
    expect(members.sort()).toEqual([annPeer, bobPeer].sort());
    expect((await bob.client.get(`/api/rooms/${room}/messages`)).body.messages.map((m: { body: string }) => m.body)).toEqual(['for members only', 'marker']);
  });

  it('a locked room’s password cannot be guessed faster than the limit, even with a burst across both processes', async () => {
    const ann = await person(a, 'ann');
    const mal = await person(b, 'mal');
    const room = uniqueRoomName('locked');
    await createRoom(ann, room, { password: 'open sesame' });
    const annPeer = await join(ann, room);
    const annStream = track(await openStream(ann, room, annPeer));
    await annStream.nextOf('welcome');
    // 20 wrong passwords at once, half through each process: at most 10 (the limit) are checked.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sameSessionOn(mal, i % 2 ? a : b).client.post(`/api/rooms/${room}/join`, { password: `guess ${i}` })),
    );
    const codes = results.map((r) => r.body.error.code).sort();
    expect(codes).toEqual([...Array(10).fill('too_many_attempts'), ...Array(10).fill('wrong_password')]);
    // Now even the right password is refused, and Mallory is not in the room.
    const right = await mal.client.post(`/api/rooms/${room}/join`, { password: 'open sesame' });
    expect([right.status, right.body.error.code]).toEqual([429, 'too_many_attempts']);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await mal.client.get(`/api/rooms/${room}`)).body).toMatchObject({ room: { members: 1 }, members: [] });
    expect((await mal.client.get(`/api/rooms/${room}/messages`)).status).toBe(403);
    expect((await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'marker' })).status).toBe(201);
    await annStream.nextOf('chat');
    expect(annStream.events.map((e) => e.event)).toEqual(['welcome', 'chat']);
  });

  it('a member who left, or whose room was deleted, can no longer read it, even when the name is taken again', async () => {
    const { ann, bob, room, annPeer, bobPeer, annStream, bobStream } = await seatedWithStreams('gone');

    // Bob leaves (on process A, while his stream is held by B): his stream ends.
    expect((await sameSessionOn(bob, a).client.post(`/api/rooms/${room}/leave`, { peerId: bobPeer })).status).toBe(204);
    expect((await bobStream.nextOf('member-left')).data).toEqual({ peerId: bobPeer, reason: 'left' });
    await bobStream.whenEnded();
    expect((await annStream.nextOf('member-left')).data.peerId).toBe(bobPeer);

    for (const server of [a, b]) {
      const bobHere = sameSessionOn(bob, server);
      expect(await refusedStream(track(await openStream(bobHere, room, bobPeer)))).toEqual({ status: 403, code: 'not_a_member' });
      // Resuming with Last-Event-ID does not help.
      expect(await refusedStream(track(await openStream(bobHere, room, bobPeer, bobStream.lastEventId)))).toEqual({
        status: 403,
        code: 'not_a_member',
      });
      expect((await bobHere.client.get(`/api/rooms/${room}/messages`)).status).toBe(403);
      expect((await bobHere.client.post(`/api/rooms/${room}/messages`, { from: bobPeer, body: 'after leaving' })).status).toBe(403);
      const sig = await signal(bobHere, room, { from: bobPeer, to: annPeer, type: 'offer', data: { sdp: 'late' } });
      expect([sig.status, sig.body.error.code]).toEqual([403, 'not_a_member']);
      // And nobody can address the departed peer any more.
      const toGone = await signal(sameSessionOn(ann, server), room, { from: annPeer, to: bobPeer, type: 'offer', data: {} });
      expect([toGone.status, toGone.body.error.code]).toEqual([404, 'peer_not_found']);
    }
    expect((await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'after bob left' })).status).toBe(201);
    await annStream.next((e) => e.event === 'chat' && e.data.message.body === 'after bob left');
    expect(bobStream.events.at(-1)!.event).toBe('member-left');
    expect(chatBodies(bobStream)).toEqual([]);

    // Bob joins again, then the owner deletes the room: every stream gets room-closed and ends.
    const bobPeer2 = await join(bob, room);
    const bobStream2 = track(await openStream(bob, room, bobPeer2));
    await bobStream2.nextOf('welcome');
    expect((await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'before delete' })).status).toBe(201);
    const oldChat = await bobStream2.next((e) => e.event === 'chat' && e.data.message.body === 'before delete');
    expect((await ann.client.delete(`/api/rooms/${room}`)).status).toBe(204);
    for (const s of [annStream, bobStream2]) {
      expect((await s.nextOf('room-closed')).data).toEqual({ reason: 'deleted' });
      await s.whenEnded();
    }
    for (const server of [a, b]) {
      for (const [p, peer] of [
        [bob, bobPeer2],
        [ann, annPeer],
      ] as const) {
        const here = sameSessionOn(p, server);
        expect(await refusedStream(track(await openStream(here, room, peer)))).toEqual({ status: 404, code: 'room_not_found' });
        expect((await here.client.get(`/api/rooms/${room}/messages`)).status).toBe(404);
      }
    }

    // Someone else takes the name. The old peers mean nothing in the new room, and none
    // of the old room's chat or events reach its new members, not even by resuming.
    const cat = await person(b, 'cat');
    await createRoom(cat, room);
    const catPeer = await join(cat, room);
    for (const server of [a, b]) {
      for (const [p, peer] of [
        [bob, bobPeer2],
        [ann, annPeer],
      ] as const) {
        const here = sameSessionOn(p, server);
        expect(await refusedStream(track(await openStream(here, room, peer)))).toEqual({ status: 403, code: 'not_a_member' });
        expect((await here.client.get(`/api/rooms/${room}/messages`)).status).toBe(403);
        expect((await here.client.post(`/api/rooms/${room}/messages`, { from: peer, body: 'ghost' })).status).toBe(403);
      }
    }
    expect((await cat.client.get(`/api/rooms/${room}/messages`)).body.messages).toEqual([]);
    const catStream = track(await openStream(cat, room, catPeer, oldChat.id));
    expect((await cat.client.post(`/api/rooms/${room}/messages`, { from: catPeer, body: 'new room' })).status).toBe(201);
    await catStream.next((e) => e.event === 'chat' && e.data.message.body === 'new room');
    expect(chatBodies(catStream)).toEqual(['new room']);
    expect(JSON.stringify(catStream.events)).not.toContain(annPeer);
  });
});

// ---------------------------------------------------------------------------------------------

describe('2. direct messages: nobody reads another pair’s conversation', () => {
  it('delivers messages, receipts and typing only to the pair, ignores forged fields, and serves only your own history', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const cat = await person(a, 'cat');
    // Two tabs each, one on each process.
    const annTabs = [await tab(ann), await tab(sameSessionOn(ann, b))];
    const bobTabs = [await tab(bob), await tab(sameSessionOn(bob, a))];
    const catTabs = [await tab(cat), await tab(sameSessionOn(cat, b))];
    const watch = (tabs: Socket[]) => tabs.map((t) => ({ message: collect(t, 'dm:message'), read: collect(t, 'dm:read'), typing: collect(t, 'dm:typing') }));
    const annSeen = watch(annTabs);
    const bobSeen = watch(bobTabs);
    const catSeen = watch(catTabs);

    // Ann and Bob talk, from tabs on different processes.
    const m1 = (await emitAck(annTabs[0]!, 'dm:send', { to: bob.username, body: 'ann to bob, private', clientId: cid() })).message;
    const m2 = (await emitAck(bobTabs[1]!, 'dm:send', { to: ann.username, body: 'bob to ann, private', clientId: cid() })).message;
    const m3 = (await emitAck(annTabs[1]!, 'dm:send', { to: bob.username, body: 'ann again', clientId: cid() })).message;
    bobTabs[0]!.emit('dm:typing', { to: ann.username });
    for (const s of annSeen) await s.typing.next((t) => t.from === bob.username);
    expect(await emitAck(bobTabs[0]!, 'dm:read', { with: ann.username, upTo: m1.id })).toEqual({ ok: true });
    for (const s of annSeen) await s.read.next((r) => r.by === bob.username);

    // Cat tries to pass herself off as Ann: `from` is ignored, the sender is her session's user.
    const forged = await emitAck(catTabs[0]!, 'dm:send', { to: bob.username, from: ann.username, body: 'cat as ann', clientId: cid() });
    expect(forged.ok).toBe(true);
    expect(forged.message).toMatchObject({ from: cat.username, to: bob.username });
    for (const s of bobSeen) expect(await s.message.next((m) => m.body === 'cat as ann')).toMatchObject({ from: cat.username });
    // Typing with a forged from is announced as Cat's, to Bob only.
    catTabs[1]!.emit('dm:typing', { to: bob.username, from: ann.username });
    for (const s of bobSeen) expect(await s.typing.next((t) => t.from !== ann.username)).toEqual({ from: cat.username });

    // Cat cannot move anyone's read marker but her own.
    const readAnn = await emitAck(catTabs[0]!, 'dm:read', { with: ann.username, upTo: m3.id, by: bob.username });
    expect(readAnn).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    // With Bob she has a conversation: her own marker moves, nobody else's, and `by` stays hers.
    expect(await emitAck(catTabs[1]!, 'dm:read', { with: bob.username, upTo: m3.id, by: ann.username })).toEqual({ ok: true });
    for (const s of bobSeen) expect(await s.read.next((r) => r.by !== ann.username && r.by !== bob.username)).toMatchObject({ by: cat.username });
    for (const s of catSeen) {
      await s.message.next((m) => m.body === 'cat as ann');
      await s.read.next();
    }

    // Marker: a message to Cat, sent after everything above, reaches both of her tabs.
    const marker = (await emitAck(annTabs[0]!, 'dm:send', { to: cat.username, body: 'marker for cat', clientId: cid() })).message;
    for (const s of catSeen) await s.message.next((m) => m.id === marker.id);
    for (const s of catSeen) {
      // Only her own conversations: her message to Bob and Ann's marker to her.
      expect(s.message.seen.map((m) => m.body)).toEqual(['cat as ann', 'marker for cat']);
      expect(s.typing.seen).toEqual([]);
      expect(s.read.seen).toEqual([{ by: cat.username, with: bob.username, upTo: m3.id }]);
    }
    // Ann got nothing of the conversation between Cat and Bob.
    for (const s of annSeen) {
      await s.message.next((m) => m.id === marker.id);
      expect(s.message.seen.map((m) => m.id).sort((x, y) => x - y)).toEqual([m1.id, m2.id, m3.id, marker.id]);
      expect(s.typing.seen).toEqual([{ from: bob.username }]);
      expect(s.read.seen).toEqual([{ by: bob.username, with: ann.username, upTo: m1.id }]);
    }

    // REST history only ever holds messages between the session's user and the named one.
    for (const server of [a, b]) {
      const catHere = sameSessionOn(cat, server).client;
      const withAnn = await catHere.get(`/api/dm/${ann.username}/messages`);
      expect(withAnn.status).toBe(200);
      expect(withAnn.body.messages.map((m: { body: string }) => m.body)).toEqual(['marker for cat']);
      const withBob = await catHere.get(`/api/dm/${bob.username.toUpperCase()}/messages?limit=100`);
      expect(withBob.body.messages.map((m: { body: string }) => m.body)).toEqual(['cat as ann']);
      // Paging with the ids of someone else's messages turns up nothing of theirs.
      const paged = await catHere.get(`/api/dm/${bob.username}/messages?before=${m3.id + 1}&limit=100`);
      expect(paged.body.messages.map((m: { body: string }) => m.body)).toEqual([]);
      const annHere = sameSessionOn(ann, server).client;
      expect((await annHere.get(`/api/dm/${bob.username}/messages`)).body.messages.map((m: { id: number }) => m.id)).toEqual([m1.id, m2.id, m3.id]);

      // Conversation lists: your own only, with your own unread counts.
      const convs = async (c: TestClient) =>
        (await c.get('/api/dm/conversations')).body.conversations.map((x: { with: { username: string }; unread: number }) => [x.with.username, x.unread]);
      expect(await convs(catHere)).toEqual([
        [ann.username, 1],
        [bob.username, 0],
      ]);
      expect(await convs(annHere)).toEqual([
        [cat.username, 0],
        [bob.username, 1],
      ]);
      // Bob read up to m1 himself; Cat's dm:read did not touch his marker.
      expect(await convs(sameSessionOn(bob, server).client)).toEqual([
        [cat.username, 1],
        [ann.username, 1],
      ]);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('3. a logged-out session can do nothing', () => {
  it('gets 401 everywhere on both processes, loses its sockets and its room streams, and cannot reconnect', async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const room = uniqueRoomName('bye');
    await createRoom(ann, room);
    // Ann's session is used (and so cached) on both processes.
    const annOnB = sameSessionOn(ann, b);
    expect((await annOnB.client.get('/api/me')).status).toBe(200);
    expect((await ann.client.get('/api/me')).status).toBe(200);

    // Her other device: a second session of the same account, which must survive.
    const phone = a.client();
    expect((await phone.post('/api/auth/login', { username: ann.username, password: 'correct horse battery' })).status).toBe(200);
    const phonePerson: Person = { client: phone, username: ann.username, server: a };
    const phoneTab = await tab(phonePerson);

    // Two tabs in the room, one stream on each process, and two /dm sockets.
    const peerA = await join(ann, room);
    const peerB = await join(annOnB, room);
    const streamA = track(await openStream(ann, room, peerA));
    const streamB = track(await openStream(annOnB, room, peerB));
    await streamA.nextOf('welcome');
    await streamB.nextOf('welcome');
    const bobPeer = await join(bob, room);
    const bobStream = track(await openStream(bob, room, bobPeer));
    await bobStream.nextOf('welcome');
    const annTabs = [await tab(ann), await tab(annOnB)];
    const disconnected = annTabs.map((t) => new Promise((resolve) => t.once('disconnect', resolve)));

    const oldCookies = new Map(ann.client.cookies);
    expect((await ann.client.post('/api/auth/logout')).status).toBe(204);

    // Every /dm socket of the session is dropped, on both processes; the other device's stays.
    await Promise.all(disconnected);
    // Both event streams end; the other members see the peers go.
    await streamA.whenEnded();
    await streamB.whenEnded();
    const left = [(await bobStream.nextOf('member-left')).data, (await bobStream.nextOf('member-left')).data];
    expect(left.map((d) => d.peerId).sort()).toEqual([peerA, peerB].sort());
    expect(left.map((d) => d.reason)).toEqual(['left', 'left']);
    expect((await bob.client.get(`/api/rooms/${room}`)).body.members.map((m: { peerId: string }) => m.peerId)).toEqual([bobPeer]);

    // Every authenticated route refuses the old cookie, on both processes (B had it cached).
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/me'],
      ['PATCH', '/api/me', { displayName: 'Hijacked' }],
      ['GET', `/api/users?q=${ann.username.slice(0, 3)}`],
      ['GET', '/api/rooms'],
      ['POST', '/api/rooms', { name: `${room}-x` }],
      ['GET', `/api/rooms/${room}`],
      ['POST', `/api/rooms/${room}/join`, {}],
      ['GET', `/api/rooms/${room}/events?peer=${peerA}`],
      ['POST', `/api/rooms/${room}/signal`, { from: peerA, to: bobPeer, type: 'offer', data: { sdp: 'zombie' } }],
      ['POST', `/api/rooms/${room}/messages`, { from: peerA, body: 'zombie chat' }],
      ['GET', `/api/rooms/${room}/messages`],
      ['POST', `/api/rooms/${room}/leave`, { peerId: peerA }],
      ['DELETE', `/api/rooms/${room}`],
      ['GET', '/api/ice-servers'],
      ['GET', '/api/dm/conversations'],
      ['GET', `/api/dm/${bob.username}/messages`],
      ['POST', `/api/users/${bob.username}/block`],
      ['DELETE', `/api/users/${bob.username}/block`],
      ['POST', '/api/auth/logout'],
      ['GET', '/api/no-such-route'],
    ];
    for (const server of [a, b]) {
      const stale = withCookies(server, oldCookies);
      for (const [method, path, json] of routes) {
        const res = await stale.request(method, path, json === undefined ? {} : { json });
        expect([method, path, res.status, res.body?.error?.code]).toEqual([method, path, 401, 'unauthenticated']);
      }
      // New sockets and streams are refused.
      const stalePerson: Person = { client: stale, username: ann.username, server };
      await expect(tab(stalePerson)).rejects.toThrow('unauthenticated');
      const s = track(await openStream(stalePerson, room, peerA));
      await s.whenEnded();
      expect([s.status, JSON.parse(s.errorBody).error.code]).toEqual([401, 'unauthenticated']);
      expect(s.events).toEqual([]);
    }

    // None of those requests changed anything.
    expect((await phone.get('/api/me')).body.user.displayName).toBe(ann.username);
    expect((await bob.client.get(`/api/rooms/${room}-x`)).status).toBe(404);
    expect((await bob.client.get(`/api/rooms/${room}`)).status).toBe(200);
    expect((await bob.client.get(`/api/rooms/${room}/messages`)).body.messages).toEqual([]);
    // The other device is untouched, socket included: it still receives Ann's messages.
    const phoneInbox = collect(phoneTab, 'dm:message');
    expect((await emitAck(await tab(bob), 'dm:send', { to: ann.username, body: 'still reachable', clientId: cid() })).ok).toBe(true);
    expect(await phoneInbox.next()).toMatchObject({ from: bob.username, body: 'still reachable' });
    expect(phoneTab.connected).toBe(true);
    expect((await phone.get('/api/me')).status).toBe(200);
    // Nothing more reached the ended streams.
    expect(streamA.events.map((e) => e.event)).not.toContain('chat');
    expect(streamB.events.filter((e) => e.event === 'signal')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('4. cross-site requests are refused and change nothing', () => {
  it('answers 403 forbidden_origin to every non-GET route from a foreign or missing origin, on both processes', async () => {
    const { ann, bob, room, annPeer, bobPeer, annStream, bobStream } = await seatedWithStreams('csrf');
    const newName = uniqueUsername('csrfnew');

    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/api/auth/signup', { username: newName, password: 'password123' }],
      ['POST', '/api/auth/login', { username: ann.username, password: 'correct horse battery' }],
      ['POST', '/api/auth/logout'],
      ['PATCH', '/api/me', { displayName: 'Pwned' }],
      ['POST', '/api/rooms', { name: `${room}-evil` }],
      ['POST', `/api/rooms/${room}/join`, {}],
      ['POST', `/api/rooms/${room}/signal`, { from: annPeer, to: bobPeer, type: 'offer', data: { sdp: 'evil' } }],
      ['POST', `/api/rooms/${room}/messages`, { from: annPeer, body: 'evil chat' }],
      ['POST', `/api/rooms/${room}/leave`, { peerId: annPeer }],
      ['DELETE', `/api/rooms/${room}`],
      ['POST', `/api/users/${bob.username}/block`],
      ['DELETE', `/api/users/${bob.username}/block`],
      ['PUT', '/api/me'],
      ['POST', '/api/health'],
    ];
    // A foreign Origin; no Origin at all; a browser saying cross-site or same-site without Origin.
    const variants: Array<[string | null, Record<string, string>]> = [
      [EVIL, {}],
      [EVIL, { 'sec-fetch-site': 'cross-site' }],
      ['null', {}],
      [null, {}],
      [null, { 'sec-fetch-site': 'cross-site' }],
      [null, { 'sec-fetch-site': 'same-site' }],
      [`${a.config.origin}.evil.example`, {}],
    ];
    for (const server of [a, b]) {
      for (const [origin, headers] of variants) {
        const attacker = withCookies(server, ann.client.cookies, origin);
        for (const [method, path, json] of routes) {
          const res = await attacker.request(method, path, json === undefined ? { headers } : { json, headers });
          expect([origin, method, path, res.status, res.body?.error?.code]).toEqual([origin, method, path, 403, 'forbidden_origin']);
          expect(res.headers.getSetCookie()).toEqual([]);
        }
      }
    }

    // Nothing changed: the session lives, the name and rooms are as they were, no chat, no
    // signal, nobody left or was blocked, and the new account does not exist.
    expect((await ann.client.get('/api/me')).body.user.displayName).toBe(ann.username);
    expect((await ann.client.get(`/api/users?q=${newName}`)).body.users).toEqual([]);
    expect((await ann.client.get(`/api/rooms/${room}-evil`)).status).toBe(404);
    const info = await ann.client.get(`/api/rooms/${room}`);
    expect(info.body.members.map((m: { peerId: string }) => m.peerId).sort()).toEqual([annPeer, bobPeer].sort());
    expect((await ann.client.get(`/api/rooms/${room}/messages`)).body.messages).toEqual([]);
    const annSocket = await tab(ann);
    expect((await emitAck(await tab(bob), 'dm:send', { to: ann.username, body: 'not blocked', clientId: cid() })).ok).toBe(true);
    expect((await emitAck(annSocket, 'dm:send', { to: bob.username, body: 'not blocked either', clientId: cid() })).ok).toBe(true);
    // Marker through the room: both streams saw it and nothing before it.
    expect((await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'marker' })).status).toBe(201);
    await bobStream.next((e) => e.event === 'chat');
    await annStream.next((e) => e.event === 'chat');
    expect(bobStream.events.map((e) => e.event)).toEqual(['welcome', 'chat']);
    expect(annStream.events.map((e) => e.event)).toEqual(['welcome', 'member-joined', 'chat']);

    // The /dm handshake from another origin, or with none, is refused on both processes.
    for (const server of [a, b]) {
      const here = sameSessionOn(ann, server);
      await expect(tab(here, { origin: EVIL })).rejects.toThrow('forbidden_origin');
      await expect(tab(here, { origin: null })).rejects.toThrow('forbidden_origin');
      await expect(tab(here, { origin: 'null' })).rejects.toThrow('forbidden_origin');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('5. brute-force logins are slowed down across processes', () => {
  /**
   * A cluster of its own with small limits and a short window. It trusts one proxy hop, so
   * each test (and each attempt, where wanted) can come from an address of its own and the
   * per-address and per-username limits can be observed apart.
   */
  const WINDOW = 4;
  let la: TestServer;
  let lb: TestServer;
  beforeAll(async () => {
    [la, lb] = (await startTestCluster(2, {
      LOGIN_MAX_PER_USERNAME: '3',
      LOGIN_MAX_PER_IP: '6',
      LOGIN_WINDOW_SECONDS: String(WINDOW),
      TRUST_PROXY: '1',
    })) as [TestServer, TestServer];
  });
  afterAll(async () => {
    await la?.stop();
    await lb?.stop();
  });

  let ipSeq = 0;
  const freshIp = () => `10.${(process.pid % 250) + 1}.${Math.floor(ipSeq / 250)}.${(ipSeq++ % 250) + 1}`;
  const login = (server: TestServer, username: string, password: string, ip = freshIp()) =>
    server.client().post('/api/auth/login', { username, password }, { headers: { 'x-forwarded-for': ip } });

  it('answers 429 too_many_attempts with Retry-After after the configured failures, wherever they land, and then refuses the right password until the window passes', async () => {
    const name = uniqueUsername('victim');
    await la.client().signup(name, 'the right password');
    // Failures alternate between the processes, and vary the name's case: one account, one count.
    const statuses = [];
    for (const [i, server] of [la, lb, la].entries()) {
      statuses.push((await login(server, i === 1 ? name.toUpperCase() : name, `guess ${i}`)).status);
    }
    expect(statuses).toEqual([401, 401, 401]);
    for (const server of [lb, la]) {
      for (const password of ['guess 4', 'the right password']) {
        const res = await login(server, name, password);
        expect(res.status).toBe(429);
        expect(res.body.error.code).toBe('too_many_attempts');
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(WINDOW);
        expect(res.headers.getSetCookie()).toEqual([]);
      }
    }
    // Another account is not affected.
    const other = uniqueUsername('bystander');
    await lb.client().signup(other, 'password123');
    expect((await login(la, other, 'password123')).status).toBe(200);

    // Once the window has passed, the right password works again, and clears the count.
    const deadline = Date.now() + (WINDOW + 3) * 1000;
    let res = await login(lb, name, 'the right password');
    while (res.status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      res = await login(lb, name, 'the right password');
    }
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('parley_session='))).toBe(true);
    expect((await login(la, name, 'wrong again')).status).toBe(401);
  });

  it('lets no more than the configured number of guesses through when they arrive all at once, from many addresses, on both processes', async () => {
    const name = uniqueUsername('burst');
    await la.client().signup(name, 'the right password');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login(i % 2 === 0 ? la : lb, name, `parallel guess ${i}`)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([401, 401, 401, ...Array(9).fill(429)]);
    for (const r of results.filter((x) => x.status === 429)) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(lb, name, 'the right password')).status).toBe(429);
  });

  it('limits attempts per client address across usernames and processes, without locking the accounts for others', async () => {
    const ip = freshIp();
    const name = uniqueUsername('shared');
    await la.client().signup(name, 'the right password');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(i % 2 ? la : lb, uniqueUsername('spray'), 'password1', ip)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    for (const server of [la, lb]) {
      const res = await login(server, name, 'the right password', ip);
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('too_many_attempts');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // The same account from another address is fine.
    expect((await login(lb, name, 'the right password')).status).toBe(200);
  });
});
