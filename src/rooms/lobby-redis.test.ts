import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followStream, type FollowedStream } from '../test/follow-stream.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { startPrivateRedis } from '../test/redis-server.js';
import { createRoom, join, person, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import { SseClient } from '../test/sse-client.js';

/**
 * The lobby across a Redis restart (empty, on the same port; a Redis of this test's
 * own): lobby streams end when their process's subscriber is back, clients reconnect
 * to a fresh `rooms` snapshot, and events flow again, even though the event counter
 * restarted from zero.
 */

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let a: TestServer;
let b: TestServer;
let lobby: FollowedStream | undefined;

beforeAll(async () => {
  redis = await startPrivateRedis();
  [a, b] = (await startTestCluster(2, { REDIS_URL: redis.url })) as [TestServer, TestServer];
});
afterAll(async () => {
  lobby?.stop();
  await a?.stop();
  await b?.stop();
  redis?.stop();
});

const cookie = (p: Person) => ({ cookie: [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') });

/** Retries `work` (a request that needs Redis) until it succeeds, for up to 10 s. */
async function once<T>(work: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('lobby snapshots', () => {
  it('are shared by streams opened together: a burst of connections costs a few reads, not one each', async () => {
    const people = await Promise.all([1, 2, 3].map(() => person(b, 'many')));
    const seqKey = `${b.config.redisPrefix}lobby:seq`;
    const before = Number(await b.redis.get(seqKey));
    const streams = people.flatMap((p) => [1, 2, 3, 4, 5, 6].map(() => new SseClient(`${b.baseUrl}/api/lobby/events`, cookie(p))));
    try {
      expect(await Promise.all(streams.map((s) => s.open()))).toEqual(streams.map(() => 200));
      const firsts = await Promise.all(streams.map((s) => s.next()));
      expect(firsts.every((e) => e.event === 'rooms')).toBe(true);
      // Each snapshot read takes one number from the counter; nothing else happens meanwhile.
      const reads = Number(await b.redis.get(seqKey)) - before;
      expect(reads).toBeGreaterThan(0);
      expect(reads).toBeLessThanOrEqual(streams.length / 2);
    } finally {
      for (const s of streams) s.close();
    }
  });
});

describe('the lobby when Redis restarts empty', () => {
  it('reconnects to a fresh snapshot and goes on pushing changes', { timeout: 60_000 }, async () => {
    const ann = await person(a, 'ann');
    const watcher = await person(b, 'watch');
    const r1 = uniqueRoomName('before');
    await createRoom(ann, r1);
    lobby = await followStream(
      () => `${b.baseUrl}/api/lobby/events`,
      () => cookie(watcher),
      300,
    );
    await lobby.next((e) => e.event === 'rooms');
    // Rooms made first, so that r1's last event has a number well above those after the restart.
    for (let i = 0; i < 5; i++) await createRoom(ann, uniqueRoomName('more'));
    await join(ann, r1);
    await lobby.next((e) => e.event === 'room-updated' && e.data.room.name === r1 && e.data.room.members === 1, 1000);
    const snapshots = () => lobby!.events.filter((e) => e.event === 'rooms');

    await redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    await redis.restart();

    // A second snapshot: the room is there, and nobody is in it any more (Redis lost the members).
    await lobby.next((e) => snapshots().length >= 2 && e === snapshots()[1], 15_000);
    expect(snapshots()[1]!.data.rooms.find((r: { name: string }) => r.name === r1)).toMatchObject({ members: 0 });

    // The counter starts over, and changes still get through, for old rooms and new.
    const r2 = uniqueRoomName('after');
    await once(() => createRoom(ann, r2));
    await lobby.next((e) => e.event === 'room-created' && e.data.room.name === r2, 1000);
    await once(() => join(ann, r1));
    await lobby.next(
      (e) =>
        e.event === 'room-updated' &&
        e.data.room.name === r1 &&
        e.data.room.members === 1 &&
        e.id === '' &&
        snapshots().length >= 2 &&
        lobby!.events.indexOf(e) > lobby!.events.indexOf(snapshots()[1]!),
      1000,
    );
    expect(lobby.stoppedWith).toBe(0);
  });
});
