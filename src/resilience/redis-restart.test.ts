import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connected, emitAck } from '../test/dm-helpers.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { startPrivateRedis } from '../test/redis-server.js';
import { createRoom, join, person, type Person } from '../test/rooms-helpers.js';
import { io as connect, type Socket } from 'socket.io-client';
import { watchFaults } from '../test/fault-watch.js';
import { waitFor } from '../test/wait.js';
import { followStream, type FollowedStream } from '../test/follow-stream.js';

/**
 * Scenario 2 of docs/reliability.md: Redis is killed mid-session and started
 * again, empty, on the same port (a Redis of this test's own, so the rest of
 * the suite is untouched). Two Parley processes keep running throughout.
 */

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let a: TestServer;
let b: TestServer;
const cleanups: Array<() => unknown> = [];
const watch = watchFaults();

beforeAll(async () => {
  redis = await startPrivateRedis();
  [a, b] = (await startTestCluster(2, { REDIS_URL: redis.url, DM_PRESENCE_TIMEOUT_MS: '3000' })) as [TestServer, TestServer];
  watch.start();
});
afterAll(async () => {
  watch.stop();
  for (const c of cleanups.splice(0)) await c();
  await a?.stop();
  await b?.stop();
  redis?.stop();
});

/**
 * A room member that behaves like the web client: it follows its stream
 * (reconnecting with Last-Event-ID), and when the server no longer knows its
 * peer (403), it joins again and follows the new peer's stream.
 */
async function member(p: Person, room: string) {
  const self = {
    peer: await join(p, room),
    stream: undefined as unknown as FollowedStream,
    rejoins: 0,
  };
  const open = async () => {
    const s = await followStream(
      () => `${p.server.baseUrl}/api/rooms/${room}/events?peer=${self.peer}`,
      () => ({ cookie: [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }),
      300,
    );
    self.stream = s;
    cleanups.push(() => s.stop());
  };
  await open();
  const watchdog = setInterval(() => {
    if (self.stream.stoppedWith === 403) {
      self.stream.stop();
      self.stream = { stoppedWith: -1 } as FollowedStream; // rejoining
      void (async () => {
        try {
          self.peer = await join(p, room);
          self.rejoins += 1;
          await open();
        } catch {
          self.stream = { stoppedWith: 403 } as FollowedStream; // try again on the next tick
        }
      })();
    }
  }, 200);
  cleanups.push(() => clearInterval(watchdog));
  return self;
}

function dmTab(p: Person): Socket {
  const s = connect(`${p.server.baseUrl}/dm`, {
    transports: ['websocket'],
    extraHeaders: { origin: p.server.config.origin, cookie: [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    forceNew: true,
  });
  cleanups.push(() => s.disconnect());
  return s;
}

describe('Redis killed and restarted empty', () => {
  it('answers 503 with a code while it is down, and streams, signals, sockets and presence come back by themselves', { timeout: 90_000 }, async () => {
    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    const room = `redis-${Math.random().toString(36).slice(2, 10)}`;
    await createRoom(ann, room);
    const annM = await member(ann, room);
    const bobM = await member(bob, room);
    await bobM.stream.next((e) => e.event === 'welcome');
    await annM.stream.next((e) => e.event === 'member-joined' && e.data.member.peerId === bobM.peer);
    expect((await ann.client.post(`/api/rooms/${room}/signal`, { from: annM.peer, to: bobM.peer, type: 'candidate', data: { n: 1 } })).status).toBe(202);
    await bobM.stream.next((e) => e.event === 'signal' && e.data.data.n === 1);

    const annTab = dmTab(ann);
    const bobTab = dmTab(bob);
    await Promise.all([connected(annTab), connected(bobTab)]);
    const bobInbox = collect(bobTab, 'dm:message');
    expect((await emitAck(annTab, 'dm:send', { to: bob.username, body: 'before', clientId: 'before' })).ok).toBe(true);
    await bobInbox.next((m) => m.clientId === 'before');

    // --- Redis dies.
    await redis.kill();

    // Requests that need Redis fail at once with 503 and a code; nothing hangs.
    const started = Date.now();
    const sig = await ann.client.post(`/api/rooms/${room}/signal`, { from: annM.peer, to: bobM.peer, type: 'candidate', data: { n: 2 } });
    expect(sig.status).toBe(503);
    expect(sig.body.error.code).toBe('unavailable');
    expect(Number(sig.headers.get('retry-after'))).toBeGreaterThan(0);
    const joinWhileDown = await bob.client.post(`/api/rooms/${room}/join`, {});
    expect(joinWhileDown.status).toBe(503);
    const failedAfter = Date.now() - started;
    for (const server of [a, b]) {
      const health = await server.client().get('/api/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ redis: 'down', mysql: 'up' });
    }
    // A direct message is refused with its code, and not stored.
    const dmDown = await emitAck(annTab, 'dm:send', { to: bob.username, body: 'while down', clientId: 'during' });
    expect(dmDown).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // Sockets stay connected to their processes; only Redis went away.
    expect(annTab.connected && bobTab.connected).toBe(true);

    // --- Redis comes back, empty.
    await new Promise((r) => setTimeout(r, 1000));
    await redis.restart();
    const restartedAt = Date.now();

    for (const server of [a, b]) await waitFor('health is ok again', async () => (await server.client().get('/api/health')).status === 200);

    // The room's live state was lost: both members find out (403) and join again by themselves,
    // and then signals flow again between the two processes.
    await waitFor('both members joined again', async () => annM.rejoins > 0 && bobM.rejoins > 0 && !!annM.stream.events && !!bobM.stream.events);
    await waitFor('both new streams are open', async () => {
      await annM.stream.next((e) => e.event === 'welcome', 100);
      await bobM.stream.next((e) => e.event === 'welcome', 100);
      return true;
    });
    const roomsBack = Date.now() - restartedAt;
    await waitFor('a signal crosses the processes again', async () => {
      const res = await ann.client.post(`/api/rooms/${room}/signal`, { from: annM.peer, to: bobM.peer, type: 'candidate', data: { n: 3 } });
      if (res.status !== 202) return false;
      await bobM.stream.next((e) => e.event === 'signal' && e.data.data.n === 3, 1000);
      return true;
    });
    const members = await ann.client.get(`/api/rooms/${room}`);
    expect(members.body.members.map((m: { peerId: string }) => m.peerId).sort()).toEqual([annM.peer, bobM.peer].sort());

    // Direct messages cross the processes again (the adapter resubscribed), the refused one
    // is sent now, once.
    const retried = await waitFor('dm:send works again', async () => {
      const ack = await emitAck(annTab, 'dm:send', { to: bob.username, body: 'while down', clientId: 'during' });
      return ack.ok && ack;
    });
    expect((await bobInbox.next((m) => m.clientId === 'during')).id).toBe(retried.message.id);
    // Presence came back: both people are shown online though Redis forgot them.
    await waitFor('presence is rebuilt', async () => {
      const res = await ann.client.get(`/api/users?q=${bob.username}`);
      return res.body.users?.[0]?.online === true;
    });
    const [rows] = await a.database.pool.query<import('mysql2/promise').RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM direct_messages WHERE client_id = 'during'",
    );
    expect(Number(rows[0]!.n)).toBe(1);

    expect(watch.faults().process).toEqual([]);
    console.info(`[redis] refused in ${failedAfter} ms while down; rooms usable ${roomsBack} ms after the restart`);
  });
});
