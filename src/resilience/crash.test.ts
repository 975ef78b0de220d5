import mysql, { type RowDataPacket } from 'mysql2/promise';
import type { Browser } from 'playwright-core';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioOver, callStats, launchBrowser, twoInACall, waitFor } from '../../web/test/browser.js';
import { startBalancer } from '../test/balancer.js';
import { TestClient } from '../test/client.js';
import { uniquePrefix, uniqueUsername, workerDatabaseUrl, type TestServer } from '../test/harness.js';
import { runParleyProcess, waitForListening, type ParleyProcess } from '../test/process.js';
import { testRedisEnv } from '../test/services.js';
import { SseClient } from '../test/sse-client.js';
import { followStream, type FollowedStream } from '../test/follow-stream.js';
import { connected, retryingDmSender } from '../test/dm-sender.js';

/**
 * Scenario 1 of docs/reliability.md: one of two Parley processes is killed
 * with SIGKILL while people use both. A test load balancer stands in front
 * of them, as a deployment's proxy would: every connection made through it
 * lands on the doomed process while that lives, and on the survivor after.
 * Some clients talk to the survivor directly. The processes run with the
 * default timeouts (a member whose stream stays closed 20 s has left).
 */

let lb: Awaited<ReturnType<typeof startBalancer>>;
let doomed: ParleyProcess | undefined;
let survivor: ParleyProcess | undefined;
let survivorUrl = '';
let browser: Browser | undefined;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  lb = await startBalancer();
  const env = {
    DATABASE_URL: workerDatabaseUrl(),
    ...testRedisEnv(),
    REDIS_PREFIX: uniquePrefix(),
    ORIGIN: lb.origin,
    SIGNUP_MAX_PER_IP: '100000',
    // The senders below send faster than a person; the per-user limit has its own tests.
    DM_RATE_MAX: '100000',
  };
  // One after the other: the first creates and migrates the database if needed.
  survivor = runParleyProcess(env);
  const survivorPort = await waitForListening(survivor);
  doomed = runParleyProcess(env);
  const doomedPort = await waitForListening(doomed);
  survivorUrl = `http://127.0.0.1:${survivorPort}`;
  lb.setBackends([doomedPort, survivorPort]);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
  doomed?.kill('SIGKILL');
  survivor?.kill('SIGTERM');
  await browser?.close();
  await lb?.close();
});

type Who = { username: string; client: TestClient; cookie: string };

/** Signs up on the survivor; `client` then talks to `base` (the balancer or the survivor). */
async function someone(stem: string, base: string): Promise<Who> {
  const direct = new TestClient(survivorUrl, lb.origin);
  const username = uniqueUsername(stem);
  await direct.signup(username);
  const client = new TestClient(base, lb.origin);
  for (const [k, v] of direct.cookies) client.cookies.set(k, v);
  return { username, client, cookie: [...direct.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

async function joinRoom(w: Who, room: string): Promise<string> {
  const res = await w.client.post(`/api/rooms/${room}/join`, {});
  expect(res.status, res.text).toBe(200);
  return res.body.peerId;
}

function follow(w: Who, base: string, room: string, peer: string): Promise<FollowedStream> {
  return followStream(
    () => `${base}/api/rooms/${room}/events?peer=${peer}`,
    () => ({ cookie: w.cookie }),
  );
}

function dmSocket(w: Who, base: string): Socket {
  // Socket.IO's own reconnection, with its defaults (as the web client uses it).
  const s = connect(`${base}/dm`, { transports: ['websocket'], extraHeaders: { origin: lb.origin, cookie: w.cookie }, forceNew: true });
  cleanups.push(() => s.disconnect());
  return s;
}

describe('kill -9 of one of two processes', () => {
  it('clients move to the survivor within 5 s, its members leave within 30 s, the call keeps its audio, and no acked message is lost or doubled', {
    timeout: 180_000,
  }, async () => {
    // --- Rooms: an observer on the survivor; two members held by the doomed process that will
    // never come back, and one whose stream will resume through the balancer.
    const room = `crash-${Math.random().toString(36).slice(2, 10)}`;
    const owner = await someone('own', survivorUrl);
    expect((await owner.client.post('/api/rooms', { name: room, capacity: 16 })).status).toBe(201);
    const ownerPeer = await joinRoom(owner, room);
    const watch = await follow(owner, survivorUrl, room, ownerPeer);
    cleanups.push(() => watch.stop());

    const ghosts = await Promise.all([someone('ghost', lb.origin), someone('ghost', lb.origin)]);
    const ghostPeers: string[] = [];
    for (const g of ghosts) {
      const peer = await joinRoom(g, room);
      ghostPeers.push(peer);
      // A plain connection that nobody reopens: its client went down with the process.
      const stream = new SseClient(`${lb.origin}/api/rooms/${room}/events?peer=${peer}`, { cookie: g.cookie, accept: 'text/event-stream' });
      expect(await stream.open()).toBe(200);
      cleanups.push(() => stream.close());
    }
    const back = await someone('back', lb.origin);
    const backPeer = await joinRoom(back, room);
    const backStream = await follow(back, lb.origin, room, backPeer);
    cleanups.push(() => backStream.stop());
    await backStream.next((e) => e.event === 'welcome');

    // --- Direct messages: senders on both processes, to people on both.
    const dmPeople = await Promise.all([0, 1, 2, 3].map((i) => someone(`dm${i}`, i % 2 ? survivorUrl : lb.origin)));
    const dmSockets = dmPeople.map((p, i) => dmSocket(p, i % 2 ? survivorUrl : lb.origin));
    await Promise.all(dmSockets.map(connected));
    const viaBalancer = dmSockets.filter((_, i) => i % 2 === 0);
    const reconnectedAt: number[] = [];
    for (const s of viaBalancer) s.io.on('reconnect', () => reconnectedAt.push(Date.now()));

    // --- A call in two browsers, both pages (and their streams and sockets) through the balancer.
    const site = { baseUrl: lb.origin } as TestServer;
    const { ann, bob, room: callRoom } = await twoInACall(browser!, site, 'call');
    cleanups.push(
      () => ann.context().close(),
      () => bob.context().close(),
    );
    const beforeKill = await audioOver(ann, 1000);
    expect(beforeKill[0]!.energy).toBeGreaterThan(0.0001);

    // Senders start; the kill falls in the middle of their traffic.
    const senders = dmSockets.map((s, i) =>
      retryingDmSender(s, dmPeople[(i + 1) % dmPeople.length]!.username, `crash${i}`, { count: 60, ackTimeoutMs: 2000, pauseMs: 15 }),
    );
    await new Promise((r) => setTimeout(r, 400));

    // --- The kill.
    const killedAt = Date.now();
    doomed!.kill('SIGKILL');
    expect(await doomed!.exit).toBe(null);
    // Something happens while the resuming member is away: it must reach him on resume.
    const chat = await owner.client.post(`/api/rooms/${room}/messages`, { from: ownerPeer, body: 'said during the outage' });
    expect(chat.status).toBe(201);

    // The call's audio does not depend on the server: it keeps flowing at once.
    const rightAfter = await audioOver(ann, 1000);
    expect(rightAfter[0]!.bytes).toBeGreaterThan(1000);
    expect(rightAfter[0]!.energy).toBeGreaterThan(0.0001);

    // The resuming member's stream is back within 5 s, on the survivor, and missed nothing.
    await waitFor('the resuming stream reconnects', async () => backStream.reconnectedAt.length > 0, 10_000);
    const streamBack = backStream.reconnectedAt[0]! - killedAt;
    expect(streamBack).toBeLessThan(5000);
    const missed = await backStream.next((e) => e.event === 'chat', 5000);
    expect(missed.data.message.body).toBe('said during the outage');
    expect(backStream.events.filter((e) => e.event === 'welcome')).toHaveLength(1);

    // The sockets that were on the dead process are connected again within 5 s.
    await waitFor('sockets reconnect', async () => viaBalancer.every((s) => s.connected), 10_000);
    expect(reconnectedAt).toHaveLength(viaBalancer.length);
    const socketsBack = Math.max(...reconnectedAt) - killedAt;
    expect(socketsBack).toBeLessThan(5000);

    // The pages' event streams moved too: a mute on one page reaches the other through the survivor.
    await bob.getByRole('button', { name: 'Mute' }).click();
    await ann.getByRole('region', { name: 'People' }).getByRole('img', { name: 'Muted' }).waitFor({ timeout: 10_000 });
    await bob.getByRole('button', { name: 'Unmute' }).click();
    await waitFor('audio energy after unmute', async () => (await audioOver(ann, 800))[0]!.energy > 0.0001, 10_000);
    expect((await callStats(ann))[0]!.state).toBe('connected');
    expect((await callStats(bob))[0]!.state).toBe('connected');

    // The members nobody brings back leave within 30 s of the kill; the one who came back stays.
    const gone = await Promise.all(
      ghostPeers.map((p) => watch.next((e) => e.event === 'member-left' && e.data.peerId === p, 35_000).then(() => Date.now() - killedAt)),
    );
    for (const ms of gone) expect(ms).toBeLessThan(30_000);
    expect(watch.events.filter((e) => e.event === 'member-left').map((e) => e.data)).toEqual(
      expect.arrayContaining(ghostPeers.map((peerId) => ({ peerId, reason: 'timeout' }))),
    );
    expect(watch.events.some((e) => e.event === 'member-left' && e.data.peerId === backPeer)).toBe(false);
    const members = await owner.client.get(`/api/rooms/${room}`);
    expect(members.body.members.map((m: { peerId: string }) => m.peerId).sort()).toEqual([ownerPeer, backPeer].sort());
    // And the browsers, whose streams resumed, are both still in their call room.
    const callMembers = await owner.client.get(`/api/rooms/${callRoom}`);
    expect(callMembers.status).toBe(200);
    expect(callMembers.body.members.map((m: { user: { username: string } }) => m.user.username).sort()).toEqual([ann.username, bob.username].sort());

    // Every acked direct message is in MySQL exactly once, retries included.
    await Promise.all(senders.map((s) => s.done));
    const retries = senders.reduce((n, s) => n + s.retries(), 0);
    const conn = await mysql.createConnection({ uri: workerDatabaseUrl() });
    try {
      const [rows] = await conn.query<RowDataPacket[]>(
        "SELECT client_id, COUNT(*) AS n, MIN(id) AS id FROM direct_messages WHERE client_id LIKE 'crash%' GROUP BY client_id",
      );
      const stored = new Map(rows.map((r) => [String(r.client_id), { n: Number(r.n), id: Number(r.id) }]));
      let acked = 0;
      for (const s of senders) {
        for (const [clientId, id] of s.acked) {
          acked += 1;
          expect(stored.get(clientId), clientId).toEqual({ n: 1, id });
        }
      }
      expect(acked).toBe(4 * 60);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      // For docs/reliability.md.
      console.info(
        `[crash] stream back after ${streamBack} ms, sockets after ${socketsBack} ms, ghosts left after ${gone.join(', ')} ms; ` +
          `${acked} messages acked, ${retries} resends, ${rows.length} rows`,
      );
    } finally {
      await conn.end();
    }
    expect([...ann.problems, ...bob.problems].filter((p) => !/ERR_CONNECTION|net::|WebSocket|EventSource/i.test(p))).toEqual([]);
  });
});
