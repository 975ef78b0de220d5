import type { RowDataPacket } from 'mysql2/promise';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { keySpace } from '../redis/client.js';
import { keySlot } from '../redis/key-slot.js';
import { roomKeys } from '../rooms/room-keys.js';
import { collect } from '../test/dm-helpers.js';
import { connected, retryingDmSender } from '../test/dm-sender.js';
import { watchFaults } from '../test/fault-watch.js';
import { followStream, type FollowedStream } from '../test/follow-stream.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { startRedisCluster, type TestRedisCluster } from '../test/redis-cluster.js';
import { createRoom, join, person, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import { waitFor } from '../test/wait.js';

/**
 * The master of a busy room's slot dies (SIGKILL) on a Redis Cluster of this file's own, with
 * two Parley processes on it and traffic throughout: signals between two members on different
 * processes, and direct messages between two sockets on different processes. The replica is
 * promoted; then streams resume with Last-Event-ID (the hub ends them once the room's channel is
 * subscribed again, so the replay fills what the subscription missed), no acked message is lost
 * or doubled, errors are 503s confined to the failover, and nothing crashed. The figures it prints
 * are in docs/architecture.md.
 */

/** 5xx answers may come this long after the cluster reports itself settled (clients refresh their slot maps). */
const SETTLE_MARGIN_MS = 1000;
/** Traffic carries on this long after the cluster settled. */
const AFTER_SETTLE_MS = 3000;

let cluster: TestRedisCluster;
let a: TestServer;
let b: TestServer;
const watch = watchFaults();
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  watch.start();
  [a, b] = (await startTestCluster(
    2,
    { REDIS_CLUSTER_NODES: cluster.nodes.join(','), DM_RATE_MAX: '100000', ROOM_SIGNAL_MAX: '100000' },
    createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', watch.log),
  )) as [TestServer, TestServer];
}, 60_000);
afterAll(async () => {
  watch.stop();
  for (const c of cleanups.splice(0)) await c();
  await a?.stop();
  await b?.stop();
  await cluster?.stop();
});

const cookieOf = (p: Person) => [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

/** A member following its event stream as EventSource does (the server's 2 s retry, Last-Event-ID). */
async function member(p: Person, room: string): Promise<{ peer: string; stream: FollowedStream }> {
  const peer = await join(p, room);
  const stream = await followStream(
    () => `${p.server.baseUrl}/api/rooms/${room}/events?peer=${peer}`,
    () => ({ cookie: cookieOf(p) }),
  );
  cleanups.push(() => stream.stop());
  return { peer, stream };
}

/** A browser tab's /dm socket, which reconnects by itself as the web client's does. */
function dmTab(p: Person): Socket {
  const s = connect(`${p.server.baseUrl}/dm`, {
    transports: ['websocket'],
    extraHeaders: { origin: p.server.config.origin, cookie: cookieOf(p) },
    forceNew: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
  });
  cleanups.push(() => s.disconnect());
  return s;
}

type Attempt = { n: number; start: number; end: number; status: number; code?: string };

describe('Redis Cluster failover', () => {
  it('kill -9 of the master of a busy room: streams resume, no acked DM is lost, 503s only during the failover, nothing crashes', {
    timeout: 60_000,
  }, async () => {
    const key = keySpace(a.config.redisPrefix);
    // The room goes on the master that also carries the /dm namespace's sharded channel (every
    // dm:message to two users' rooms is published there), so the one kill hits both.
    const dmChannel = `${key('sio')}#/dm#`;
    const victim = await cluster.masterOf(keySlot(dmChannel));
    let room = '';
    for (let i = 0; i < 50 && !room; i++) {
      const name = uniqueRoomName('fo');
      if ((await cluster.masterOf(keySlot(roomKeys(key, name).members))) === victim) room = name;
    }
    expect(room, 'a room name on the victim master').not.toBe('');
    const slot = keySlot(roomKeys(key, room).members);

    const ann = await person(a, 'ann');
    const bob = await person(b, 'bob');
    await createRoom(ann, room);
    const annM = await member(ann, room);
    await annM.stream.next((e) => e.event === 'welcome');
    const bobM = await member(bob, room);
    await bobM.stream.next((e) => e.event === 'welcome');

    const annTab = dmTab(ann);
    const bobTab = dmTab(bob);
    await Promise.all([connected(annTab), connected(bobTab)]);
    const disconnects = { ann: 0, bob: 0 };
    annTab.on('disconnect', () => (disconnects.ann += 1));
    bobTab.on('disconnect', () => (disconnects.bob += 1));
    const bobInbox = collect(bobTab, 'dm:message');

    // Signals A→B, one every ~20 ms, each answer recorded with its time.
    const attempts: Attempt[] = [];
    let stopSignals = false;
    const signalling = (async () => {
      for (let n = 1; !stopSignals && n < 10_000; n++) {
        const start = Date.now();
        let status = 0;
        let code: string | undefined;
        try {
          const res = await ann.client.post(`/api/rooms/${room}/signal`, { from: annM.peer, to: bobM.peer, type: 'candidate', data: { n } });
          status = res.status;
          code = res.body?.error?.code;
        } catch {
          // The process itself did not answer: recorded as status 0.
        }
        attempts.push({ n, start, end: Date.now(), status, ...(code ? { code } : {}) });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const sender = retryingDmSender(annTab, bob.username, 'fo', { ackTimeoutMs: 3000, pauseMs: 30 });

    await new Promise((r) => setTimeout(r, 1500));
    expect(attempts.some((x) => x.status === 202) && sender.acked.size > 0, 'traffic flows before the kill').toBe(true);

    // --- The master of the room's slot dies.
    const killedAt = Date.now();
    cluster.kill(victim);
    // A dead master is noticed only after the node timeout: until then the survivors still say
    // "ok". So first wait for the promotion, then for the whole cluster to be settled.
    await waitFor('the replica is promoted', async () => (await cluster.masterOf(slot).catch(() => victim)) !== victim, 30_000);
    const promotedAt = Date.now();
    await cluster.settled(30_000);
    const settledAt = Date.now();

    await new Promise((r) => setTimeout(r, AFTER_SETTLE_MS));
    stopSignals = true;
    sender.stop();
    await Promise.all([signalling, sender.done]);

    // --- Requests: 202 or 503 `unavailable` only, and the 503s within the failover.
    const failures = attempts.filter((x) => x.status !== 202);
    const byStatus = new Map<string, number>();
    for (const x of attempts) {
      const label = x.code ? `${x.status} ${x.code}` : String(x.status);
      byStatus.set(label, (byStatus.get(label) ?? 0) + 1);
    }
    expect(
      failures.filter((x) => x.status !== 503 || x.code !== 'unavailable'),
      'every failure is a 503 unavailable',
    ).toEqual([]);
    const outside = failures.filter((x) => x.end < killedAt || x.end > settledAt + SETTLE_MARGIN_MS);
    expect(outside, 'no 5xx outside [kill, settled + margin]').toEqual([]);
    const firstFailure = failures[0];
    const lastFailure = failures.at(-1);
    // While the slot has no master, ioredis retries a command (redirections, reconnections)
    // before giving up: a request may wait for the failover, but never outlast it.
    const slowest = Math.max(...attempts.map((x) => x.end - x.start));
    expect(slowest, 'no request outlasts the failover').toBeLessThanOrEqual(settledAt - killedAt + SETTLE_MARGIN_MS);

    // --- The stream: every signal accepted once the master was dead (so published by the promoted
    // replica) reaches Bob, in order; his stream was never refused (403) and is open now.
    const afterKill = attempts.filter((x) => x.status === 202 && x.start >= killedAt).map((x) => x.n);
    expect(afterKill.length).toBeGreaterThan(20);
    const received = () => bobM.stream.events.filter((e) => e.event === 'signal').map((e) => e.data.data.n as number);
    await waitFor(
      'every signal accepted after the kill reached Bob',
      async () => {
        const got = new Set(received());
        return afterKill.every((n) => got.has(n));
      },
      10_000,
    ).catch(() => {
      const got = new Set(received());
      const missing = afterKill.filter((n) => !got.has(n));
      throw new Error(`${missing.length} of ${afterKill.length} signals accepted after the kill never reached Bob (first ${missing.slice(0, 10).join(',')})`);
    });
    const got = received();
    // Where the order broke, with the events around it (ids included), for whoever reads a failure.
    const broken = got.findIndex((n, i) => i > 0 && n <= got[i - 1]!);
    const signals = bobM.stream.events.filter((e) => e.event === 'signal');
    expect(
      broken,
      `signals arrive in order, none twice; around the first break: ${JSON.stringify(signals.slice(Math.max(0, broken - 3), broken + 3).map((e) => [e.id, e.data.data.n]))}, Bob reconnected at ${bobM.stream.reconnectedAt.map((t) => t - killedAt).join(',')} ms after the kill`,
    ).toBe(-1);
    const acceptedBefore = attempts.filter((x) => x.status === 202 && x.end <= killedAt).map((x) => x.n);
    const lostBefore = acceptedBefore.filter((n) => !got.includes(n)).length;
    expect(bobM.stream.stoppedWith).toBe(0);
    expect(annM.stream.stoppedWith).toBe(0);

    // --- Direct messages: every acked one is stored exactly once, with the acked id, and reached Bob.
    const acked = sender.acked;
    expect(acked.size).toBeGreaterThan(20);
    const [rows] = await a.database.pool.query<RowDataPacket[]>(
      `SELECT m.client_id AS clientId, COUNT(*) AS n, MIN(m.id) AS id FROM direct_messages m JOIN users u ON u.id = m.sender_id
        WHERE u.username = ? GROUP BY m.client_id`,
      [ann.username],
    );
    const stored = new Map(rows.map((r) => [String(r.clientId), { n: Number(r.n), id: Number(r.id) }]));
    expect(
      rows.filter((r) => Number(r.n) !== 1).map((r) => r.clientId),
      'no message stored twice',
    ).toEqual([]);
    for (const [clientId, id] of acked) expect(stored.get(clientId), clientId).toEqual({ n: 1, id });
    await Promise.all([connected(bobTab), connected(annTab)]);
    // Direct messages flow live across the processes again: the last one sent arrives.
    const lastSent = `fo-${Math.max(...[...acked.keys()].map((c) => Number(c.split('-')[1])))}`;
    await waitFor('the last message arrived live', async () => bobInbox.seen.some((m) => m.clientId === lastSent), 5000);
    const live = new Set(bobInbox.seen.map((m) => m.clientId));
    // What the socket missed live, the history has (the web client reloads it on reconnection).
    const inHistory = new Set<string>();
    for (let before = '', page = 0; page < 50; page++) {
      const history = await bob.client.get(`/api/dm/${ann.username}/messages?limit=100${before}`);
      expect(history.status).toBe(200);
      const messages = history.body.messages as Array<{ id: number; clientId: string }>;
      for (const m of messages) inHistory.add(m.clientId);
      if (!history.body.hasMore || messages.length === 0) break;
      before = `&before=${messages[0]!.id}`;
    }
    const missedLive = [...acked.keys()].filter((c) => !live.has(c));
    expect(
      missedLive.filter((c) => !inHistory.has(c)),
      'every acked message reached Bob live or in his history',
    ).toEqual([]);

    // --- Both processes are healthy, and nothing crashed or logged an error.
    for (const server of [a, b]) {
      const health = await server.client().get('/api/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ redis: 'up', mysql: 'up' });
    }
    expect(watch.faults()).toEqual({ process: [], log: [], console: [] });

    const failover = settledAt - killedAt;
    const window = firstFailure && lastFailure ? `${firstFailure.end - killedAt}..${lastFailure.end - killedAt} ms after the kill` : 'none';
    console.info(
      `[cluster-failover] promoted ${promotedAt - killedAt} ms and settled ${failover} ms after the kill; ` +
        `5xx window ${window} (${failures.length} of ${attempts.length} signals: ${JSON.stringify(Object.fromEntries(byStatus))}); slowest request ${slowest} ms; ` +
        `bob's stream reconnected ${bobM.stream.reconnectedAt.length}x, ann's ${annM.stream.reconnectedAt.length}x; ${lostBefore} of ${acceptedBefore.length} signals accepted before the kill not delivered; ` +
        `DMs acked ${acked.size}, refused ${JSON.stringify(Object.fromEntries(sender.refused))}, ${missedLive.length} only via history; socket disconnects ann ${disconnects.ann} bob ${disconnects.bob}`,
    );
  });
});
