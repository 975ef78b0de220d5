import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, workerDatabaseUrl, type TestServer } from '../test/harness.js';
import { runParleyProcess, waitForListening, type ParleyProcess } from '../test/process.js';
import { createRoom, join, openStream, person, uniqueRoomName } from '../test/rooms-helpers.js';
import { testRedisEnv } from '../test/services.js';
import { collect, connected, dmSocket } from '../test/dm-helpers.js';

/**
 * A member held by a process that dies without a word (kill -9) must not
 * stay in the room: its deadline stops being refreshed and the surviving
 * process's sweeper removes it.
 */

let survivor: TestServer;
let doomed: ParleyProcess;
let doomedUrl: string;

beforeAll(async () => {
  survivor = await startTestServer({ ROOM_MEMBER_TIMEOUT_MS: '1500', DM_PRESENCE_TIMEOUT_MS: '1500' });
  doomed = runParleyProcess({
    DATABASE_URL: workerDatabaseUrl(),
    ...testRedisEnv(),
    REDIS_PREFIX: survivor.config.redisPrefix,
    ORIGIN: survivor.config.origin,
    ROOM_MEMBER_TIMEOUT_MS: '1500',
    DM_PRESENCE_TIMEOUT_MS: '1500',
  });
  doomedUrl = `http://127.0.0.1:${await waitForListening(doomed)}`;
});
afterAll(async () => {
  doomed?.kill('SIGKILL');
  await survivor?.stop();
});

describe('a crashed process', () => {
  it('loses its members: member-left reaches the others and the room is no longer full of ghosts', async () => {
    const ann = await person(survivor, 'ann');
    const room = uniqueRoomName();
    await createRoom(ann, room, { capacity: 2 });
    const annPeer = await join(ann, room);
    const annStream = await openStream(ann, room, annPeer);
    await annStream.nextOf('welcome');

    // Bob's requests go to the process that is about to die.
    const bob = await person(survivor, 'bob');
    const bobThere = { ...bob, server: { ...survivor, baseUrl: doomedUrl } };
    // So does his direct-message socket; Ann watches presence from the survivor.
    const annDm = await connected(dmSocket(ann));
    const presence = collect<{ username: string; online: boolean }>(annDm, 'presence');
    const bobDm = await connected(dmSocket(bobThere));
    expect(await presence.next((p) => p.username === bob.username)).toEqual({ username: bob.username, online: true });
    const bobPeer = await join(bobThere, room);
    const bobStream = await openStream(bobThere, room, bobPeer);
    await bobStream.nextOf('welcome');
    await annStream.nextOf('member-joined');
    // The heartbeat keeps bob in while his process lives, well past the timeout.
    await new Promise((r) => setTimeout(r, 2500));
    expect(annStream.events.filter((e) => e.event === 'member-left')).toEqual([]);
    expect((await ann.client.post(`/api/rooms/${room}/join`)).status).toBe(409);

    doomed.kill('SIGKILL');
    expect(await doomed.exit).toBe(null);
    const left = await annStream.next((e) => e.event === 'member-left', 8000);
    expect(left.data).toEqual({ peerId: bobPeer, reason: 'timeout' });
    expect((await ann.client.post(`/api/rooms/${room}/join`)).status).toBe(200);
    // And he goes offline, announced by the survivor, though his socket never said goodbye.
    expect(await presence.next((p) => p.username === bob.username, 8000)).toEqual({ username: bob.username, online: false });
    annDm.disconnect();
    bobDm.disconnect();
    annStream.close();
    bobStream.close();
  });
});
