import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, sameSessionOn, uniqueRoomName } from '../test/rooms-helpers.js';

/**
 * The owner's powers over a room: removing a member (whose streams may be
 * served by another process) and changing the password and capacity. Two
 * server processes share one Redis, as in production behind a balancer.
 */

const BAN_S = 2;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startTestServer({ ROOM_REMOVAL_BAN_S: String(BAN_S) });
  b = await startTestServer({ REDIS_PREFIX: a.config.redisPrefix, ROOM_REMOVAL_BAN_S: String(BAN_S) });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('removing a member', () => {
  it('ends the member’s streams on another process, tells everyone, and keeps the user out until the ban ends', async () => {
    const ann = await person(a, 'ann');
    const room = uniqueRoomName();
    await createRoom(ann, room);
    const annPeer = await join(ann, room);
    const annStream = await openStream(ann, room, annPeer);
    await annStream.nextOf('welcome');
    const cy = await person(a, 'cy');
    const cyPeer = await join(cy, room);
    const cyStream = await openStream(cy, room, cyPeer);
    await cyStream.nextOf('welcome');

    // Bob is served by process B, in two tabs (two sessions of the same account would do too).
    const bob = sameSessionOn(await person(a, 'bob'), b);
    const bobPeer = await join(bob, room);
    const bobStream = await openStream(bob, room, bobPeer);
    await bobStream.nextOf('welcome');
    const bobTab2 = await join(bob, room);
    const bobStream2 = await openStream(bob, room, bobTab2);
    await bobStream2.nextOf('welcome');

    // Not the owner, an unknown peer, and the owner's own peer are refused.
    expect((await cy.client.post(`/api/rooms/${room}/remove`, { peerId: bobPeer })).body.error.code).toBe('not_room_owner');
    expect((await cy.client.post(`/api/rooms/${room}/remove`, { peerId: bobPeer })).status).toBe(403);
    const unknown = await ann.client.post(`/api/rooms/${room}/remove`, { peerId: 'A'.repeat(22) });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'peer_not_found']);
    const self = await ann.client.post(`/api/rooms/${room}/remove`, { peerId: annPeer });
    expect([self.status, self.body.error.code]).toEqual([400, 'cannot_remove_self']);
    expect((await ann.client.post(`/api/rooms/${room}/remove`, { peerId: 'nope' })).status).toBe(400);

    // From another site (CSRF), refused like every other write.
    const foreign = a.client('http://evil.test');
    for (const [k, v] of ann.client.cookies) foreign.cookies.set(k, v);
    expect((await foreign.post(`/api/rooms/${room}/remove`, { peerId: bobPeer })).status).toBe(403);
    expect((await foreign.patch(`/api/rooms/${room}`, { capacity: 2 })).status).toBe(403);
    expect(bobStream.ended).toBe(false);

    const res = await ann.client.post(`/api/rooms/${room}/remove`, { peerId: bobPeer });
    expect(res.status).toBe(204);
    // Both of Bob's tabs hear it and their streams end.
    expect((await bobStream.next((e) => e.event === 'member-left' && e.data.peerId === bobPeer)).data).toEqual({ peerId: bobPeer, reason: 'removed' });
    await bobStream.whenEnded();
    expect((await bobStream2.next((e) => e.event === 'member-left' && e.data.peerId === bobTab2)).data).toEqual({ peerId: bobTab2, reason: 'removed' });
    await bobStream2.whenEnded();
    for (const stream of [annStream, cyStream]) {
      const left = [];
      for (let i = 0; i < 2; i += 1) left.push((await stream.nextOf('member-left')).data);
      expect(left).toEqual(
        expect.arrayContaining([
          { peerId: bobPeer, reason: 'removed' },
          { peerId: bobTab2, reason: 'removed' },
        ]),
      );
    }
    expect(cyStream.ended).toBe(false);
    const members = (await ann.client.get(`/api/rooms/${room}`)).body.members.map((m: { peerId: string }) => m.peerId);
    expect(members.sort()).toEqual([annPeer, cyPeer].sort());
    // Bob's old peer can do nothing more.
    expect((await bob.client.post(`/api/rooms/${room}/messages`, { from: bobPeer, body: 'hi' })).status).toBe(403);

    // Bob cannot rejoin, on either process, until the ban ends; it says how long.
    for (const client of [bob.client, a.client()]) {
      if (client !== bob.client) for (const [k, v] of bob.client.cookies) client.cookies.set(k, v);
      const refused = await client.post(`/api/rooms/${room}/join`, {});
      expect([refused.status, refused.body.error.code]).toEqual([403, 'removed']);
      const wait = Number(refused.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(BAN_S);
    }
    // Others still join.
    const dee = await person(b, 'dee');
    await join(dee, room);
    await new Promise((r) => setTimeout(r, BAN_S * 1000 + 200));
    expect((await bob.client.post(`/api/rooms/${room}/join`, {})).status).toBe(200);
    for (const s of [annStream, cyStream]) s.close();
  });
});

describe('changing a room’s settings', () => {
  it('sets and removes the password, and a new joiner is asked for it', async () => {
    const ann = await person(a, 'ann');
    const room = uniqueRoomName();
    await createRoom(ann, room);
    const set = await ann.client.patch(`/api/rooms/${room}`, { password: 'open sesame' });
    expect(set.status).toBe(200);
    expect(set.body.room).toMatchObject({ name: room, owner: ann.username, locked: true, capacity: 8, members: 0 });
    expect((await ann.client.get(`/api/rooms/${room}`)).body.room.locked).toBe(true);

    const bob = await person(b, 'bob');
    expect((await bob.client.post(`/api/rooms/${room}/join`, {})).body.error.code).toBe('wrong_password');
    await join(bob, room, { password: 'open sesame' });
    // Not the owner: refused, whatever the body.
    const notOwner = await bob.client.patch(`/api/rooms/${room}`, { password: null });
    expect([notOwner.status, notOwner.body.error.code]).toEqual([403, 'not_room_owner']);

    const unset = await ann.client.patch(`/api/rooms/${room}`, { password: null });
    expect(unset.body.room).toMatchObject({ locked: false, members: 1 });
    const cy = await person(a, 'cy');
    await join(cy, room);
    // An empty password, as on creation, also means none.
    await ann.client.patch(`/api/rooms/${room}`, { password: 'x' });
    expect((await ann.client.patch(`/api/rooms/${room}`, { password: '' })).body.room.locked).toBe(false);
  });

  it('validates the capacity and refuses joins above it without removing anyone', async () => {
    const ann = await person(a, 'ann');
    const room = uniqueRoomName();
    await createRoom(ann, room, { capacity: 4 });
    for (const capacity of [1, 17, 2.5, '3', null]) {
      const res = await ann.client.patch(`/api/rooms/${room}`, { capacity });
      expect(res.status, String(capacity)).toBe(400);
    }
    expect((await ann.client.patch(`/api/rooms/${room}`, { password: 5 })).status).toBe(400);
    expect((await ann.client.patch(`/api/rooms/${room}`, { password: 'x'.repeat(257) })).status).toBe(400);

    await join(ann, room);
    const bob = await person(b, 'bob');
    await join(bob, room);
    const cy = await person(a, 'cy');
    await join(cy, room);
    const lowered = await ann.client.patch(`/api/rooms/${room}`, { capacity: 2 });
    expect(lowered.body.room).toMatchObject({ capacity: 2, members: 3, locked: false });
    expect((await ann.client.get(`/api/rooms/${room}`)).body.members).toHaveLength(3);
    const dee = await person(b, 'dee');
    const full = await dee.client.post(`/api/rooms/${room}/join`, {});
    expect([full.status, full.body.error.code]).toEqual([409, 'room_full']);
    await ann.client.patch(`/api/rooms/${room}`, { capacity: 5 });
    await join(dee, room);
    const other = await person(a, 'eve');
    expect((await other.client.patch(`/api/rooms/${room}`, { capacity: 16 })).status).toBe(403);
    expect((await ann.client.patch(`/api/rooms/nosuchroom-${Date.now()}`, { capacity: 3 })).status).toBe(404);
  });
});
