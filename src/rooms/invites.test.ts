import { describe, expect, it } from 'vitest';
import { collect, emitAck, useTwoProcesses } from '../test/dm-helpers.js';
import { createRoom, join, person, sameSessionOn, uniqueRoomName } from '../test/rooms-helpers.js';

/**
 * Invites into a room: the invitee gets a direct message with the room in it
 * (on whichever process their tab is), and for a while the invite stands in
 * for the room's password and lifts the owner's removal ban.
 */

const procs = useTwoProcesses({ ROOM_REMOVAL_BAN_S: '600' });
const open = procs.open;

async function lockedRoomWithAnn() {
  const ann = await person(procs.a, 'ann');
  const room = uniqueRoomName();
  await createRoom(ann, room, { password: 'open sesame' });
  const annPeer = await join(ann, room);
  return { ann, room, annPeer };
}

describe('inviting someone into a room', () => {
  it('sends the invitee an invite message on another process and lets them into the locked room without the password', async () => {
    const { ann, room } = await lockedRoomWithAnn();
    const bob = sameSessionOn(await person(procs.a, 'bob'), procs.b);
    const bobMessages = collect(await open(bob), 'dm:message');

    const res = await ann.client.post(`/api/rooms/${room}/invites`, { username: bob.username.toUpperCase() });
    expect(res.status).toBe(201);
    expect(res.body.invite).toEqual({ room, expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(Date.parse(res.body.invite.expiresAt)).toBeGreaterThan(Date.now() + 60_000);

    const message = await bobMessages.next((m) => m.kind === 'invite');
    expect(message).toMatchObject({ from: ann.username, to: bob.username, body: '', kind: 'invite', invite: { room } });
    const history = await bob.client.get(`/api/dm/${ann.username}/messages`);
    expect(history.body.messages.at(-1)).toMatchObject({ kind: 'invite', invite: { room } });

    const joined = await bob.client.post(`/api/rooms/${room}/join`, {});
    expect(joined.status).toBe(200);
    // Someone not invited still needs the password.
    const carol = await person(procs.b, 'carol');
    const refused = await carol.client.post(`/api/rooms/${room}/join`, {});
    expect(refused.status).toBe(403);
    expect((await carol.client.post(`/api/rooms/${room}/join`, { password: 'open sesame' })).status).toBe(200);
  });

  it('lets a removed person back in only once invited again', async () => {
    const { ann, room } = await lockedRoomWithAnn();
    const bob = await person(procs.b, 'bob');
    await ann.client.post(`/api/rooms/${room}/invites`, { username: bob.username });
    const bobPeer = await join(bob, room);
    expect((await ann.client.post(`/api/rooms/${room}/remove`, { peerId: bobPeer })).status).toBe(204);
    const banned = await bob.client.post(`/api/rooms/${room}/join`, { password: 'open sesame' });
    expect([banned.status, banned.body.error.code]).toEqual([403, 'removed']);
    // The earlier invite does not undo the removal...
    expect((await bob.client.post(`/api/rooms/${room}/join`, {})).body.error.code).toBe('removed');
    // ...a new one does.
    expect((await ann.client.post(`/api/rooms/${room}/invites`, { username: bob.username })).status).toBe(201);
    expect((await bob.client.post(`/api/rooms/${room}/join`, {})).status).toBe(200);
  });

  it('refuses with codes: not a member, unknown user, yourself, blocked, a call’s room, bad bodies, another site', async () => {
    const { ann, room } = await lockedRoomWithAnn();
    const bob = await person(procs.b, 'bob');
    const carol = await person(procs.a, 'carol');
    const outsider = await carol.client.post(`/api/rooms/${room}/invites`, { username: bob.username });
    expect([outsider.status, outsider.body.error.code]).toEqual([403, 'not_a_member']);
    const unknown = await ann.client.post(`/api/rooms/${room}/invites`, { username: 'nobody_here_at_all' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_user']);
    expect((await ann.client.post(`/api/rooms/${room}/invites`, { username: ann.username })).status).toBe(400);
    for (const body of [{}, { username: 7 }, { username: 'a b' }, [], 'x', { username: 'x'.repeat(200) }]) {
      const res = await ann.client.post(`/api/rooms/${room}/invites`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBeTruthy();
    }
    expect((await ann.client.post(`/api/rooms/no-such-room-here/invites`, { username: bob.username })).status).toBe(404);

    expect((await bob.client.post(`/api/users/${ann.username}/block`)).status).toBe(204);
    const blocked = await ann.client.post(`/api/rooms/${room}/invites`, { username: bob.username });
    expect([blocked.status, blocked.body.error.code]).toEqual([403, 'blocked']);
    expect((await bob.client.post(`/api/rooms/${room}/join`, {})).status).toBe(403);

    const foreign = procs.a.client('http://evil.test');
    for (const [k, v] of ann.client.cookies) foreign.cookies.set(k, v);
    expect((await foreign.post(`/api/rooms/${room}/invites`, { username: carol.username })).status).toBe(403);

    // A call's private room takes nobody else.
    const annTab = await open(ann);
    const { call } = await emitAck(annTab, 'call:ring', { to: carol.username });
    const priv = await ann.client.post(`/api/rooms/${call.room}/invites`, { username: carol.username });
    expect([priv.status, priv.body.error.code]).toEqual([409, 'private_room']);
    await emitAck(annTab, 'call:cancel', { id: call.id });
  });
});
