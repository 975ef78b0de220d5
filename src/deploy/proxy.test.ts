import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../test/client.js';
import { collect, connected, emitAck } from '../test/dm-helpers.js';
import { followStream } from '../test/follow-stream.js';
import { freePort } from '../test/free-port.js';
import { uniquePrefix, workerDatabaseUrl, type TestServer } from '../test/harness.js';
import { runParleyProcess, waitForListening, type ParleyProcess } from '../test/process.js';
import { startCaddy, startNginx, type RunningProxy } from '../test/proxies.js';
import { createRoom, join, person, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import { TEST_REDIS_URL } from '../test/services.js';
import { waitFor } from '../test/wait.js';

/**
 * Parley behind the proxies operators run, with the project's own configuration (deploy/):
 * Debian's caddy and nginx, each in turn on one address in front of the same two Parley
 * processes. Accounts, request ids, room streams and signals, DMs over a WebSocket and over
 * long-polling, and a rolling restart of both processes with requests flowing all along.
 * (The browser's rolling restart, with a call, runs behind Caddy in
 * src/resilience/rolling-restart.test.ts.)
 */

let proxyPort: number;
let origin: string;
const ports: number[] = [];
const procs: ParleyProcess[] = [];
let env: Record<string, string>;

async function start(i: number) {
  procs[i] = runParleyProcess({ ...env, PORT: String(ports[i]) });
  await waitForListening(procs[i]!);
}

beforeAll(async () => {
  proxyPort = await freePort();
  origin = `http://127.0.0.1:${proxyPort}`;
  ports.push(await freePort(), await freePort());
  env = {
    DATABASE_URL: workerDatabaseUrl(),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniquePrefix(),
    ORIGIN: origin,
    TRUST_PROXY: '1',
    SIGNUP_MAX_PER_IP: '100000',
    // As in docker-compose.yml: readiness fails, and the process serves on, for a moment before it closes.
    SHUTDOWN_DRAIN_DELAY_MS: '1500',
  };
  await start(0);
  await start(1);
}, 60_000);

afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
});

/** The proxy, standing in for a server in the test helpers. */
const site = () => ({ baseUrl: origin, config: { origin }, client: () => new TestClient(origin, origin) }) as unknown as TestServer;

const cookieOf = (p: Person) => [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

function dmSocketVia(p: Person, transports: Array<'websocket' | 'polling'>): Socket {
  return connect(`${origin}/dm`, { transports, extraHeaders: { origin, cookie: cookieOf(p) }, reconnection: true, reconnectionDelay: 200, forceNew: true });
}

/** The processes' request log lines for paths matching `path`, by process. */
const servedBy = (path: RegExp) =>
  procs.map(
    (p) =>
      p
        .stdout()
        .split('\n')
        .filter((l) => l.includes('"msg":"request"') && path.test(JSON.parse(l).path)).length,
  );

describe.each([
  ['caddy', (backends: number[]) => startCaddy(backends, { port: proxyPort })],
  ['nginx', (backends: number[]) => startNginx(backends, { port: proxyPort })],
] as const)('behind %s', (name, startProxy) => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy(ports);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('serves accounts, and one request id is in the answer, the proxy’s log and Parley’s', async () => {
    const ann = await person(site(), `${name}a`);
    const me = await ann.client.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe(ann.username);

    const res = await ann.client.get('/api/health');
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    // Made by the proxy (Caddy: a UUID; nginx: 32 hex digits), not by Parley.
    expect(id).toMatch(name === 'caddy' ? /^[0-9a-f-]{36}$/ : /^[0-9a-f]{32}$/);
    await waitFor('the id in the proxy’s log', async () => proxy.log().includes(id!), 3000);
    // A child's output reaches this process a moment after its answer may have.
    const parleyLine = await waitFor(
      'the id in Parley’s log',
      async () => procs.flatMap((p) => p.stdout().split('\n')).find((l) => l.includes(`"reqId":"${id}"`)),
      3000,
    );
    expect(JSON.parse(parleyLine)).toMatchObject({ msg: 'request', path: '/api/health', status: 200 });
  });

  it('carries room event streams unbuffered, from either process to the other', async () => {
    const before = servedBy(/\/events$/);
    const ann = await person(site(), `${name}ann`);
    const room = uniqueRoomName(name);
    await createRoom(ann, room);
    const members = [ann, await person(site(), `${name}bob`), await person(site(), `${name}cy`), await person(site(), `${name}dee`)];
    const peers: string[] = [];
    const streams = [];
    for (const m of members) {
      const peer = await join(m, room);
      peers.push(peer);
      streams.push(
        await followStream(
          () => `${origin}/api/rooms/${room}/events?peer=${peer}`,
          () => ({ cookie: cookieOf(m) }),
        ),
      );
      await streams.at(-1)!.next((e) => e.event === 'welcome');
    }
    // Four streams open at once: the proxy put some on each process.
    await waitFor(
      'streams on both processes',
      async () => {
        const after = servedBy(/\/events$/);
        return after[0]! > before[0]! && after[1]! > before[1]!;
      },
      3000,
    );
    // Every member signals every other: each signal is one small event, which a buffering proxy would hold back.
    for (let i = 0; i < members.length; i++) {
      for (let j = 0; j < members.length; j++) {
        if (i === j) continue;
        const res = await members[i]!.client.post(`/api/rooms/${room}/signal`, {
          from: peers[i],
          to: peers[j],
          type: 'candidate',
          data: { sdp: `${i}->${j}` },
        });
        expect(res.status).toBe(202);
        await streams[j]!.next((e) => e.event === 'signal' && e.data.data?.sdp === `${i}->${j}`, 3000);
      }
    }
    for (const s of streams) s.stop();
  });

  it('delivers DMs over a WebSocket and over long-polling, which the proxy keeps on one process', async () => {
    const ann = await person(site(), `${name}wa`);
    const bob = await person(site(), `${name}pb`);
    const annSocket = dmSocketVia(ann, ['websocket']);
    const bobSocket = dmSocketVia(bob, ['polling']);
    try {
      await Promise.all([connected(annSocket), connected(bobSocket)]);
      const toBob = collect(bobSocket, 'dm:message');
      const toAnn = collect(annSocket, 'dm:message');
      for (let i = 0; i < 5; i++) {
        expect((await emitAck(annSocket, 'dm:send', { to: bob.username, body: `ws ${i}`, clientId: `${name}-w-${i}-${Date.now()}` })).ok).toBe(true);
        expect((await emitAck(bobSocket, 'dm:send', { to: ann.username, body: `poll ${i}`, clientId: `${name}-p-${i}-${Date.now()}` })).ok).toBe(true);
      }
      // Each tab of both people hears each message, their own included.
      const bodies = (c: typeof toAnn, stem: string) => c.seen.map((m) => m.body).filter((b) => b.startsWith(stem));
      const expected = (stem: string) => [0, 1, 2, 3, 4].map((i) => `${stem} ${i}`);
      await waitFor('both ways', async () => bodies(toBob, 'ws').length >= 5 && bodies(toAnn, 'poll').length >= 5, 5000);
      expect(bodies(toBob, 'ws')).toEqual(expected('ws'));
      expect(bodies(toAnn, 'poll')).toEqual(expected('poll'));
      // Long-polling stayed on one connection the whole time: no reconnection, no lost session.
      expect(bobSocket.io.engine.transport.name).toBe('polling');
      expect(bobSocket.connected).toBe(true);
    } finally {
      annSocket.disconnect();
      bobSocket.disconnect();
    }
  });

  it('restarts both processes, one after the other, without a failed request or a lost signal', { timeout: 60_000 }, async () => {
    const ann = await person(site(), `${name}ra`);
    const bob = await person(site(), `${name}rb`);
    const room = uniqueRoomName(`${name}roll`);
    await createRoom(ann, room);
    const annPeer = await join(ann, room);
    const bobPeer = await join(bob, room);
    const bobStream = await followStream(
      () => `${origin}/api/rooms/${room}/events?peer=${bobPeer}`,
      () => ({ cookie: cookieOf(bob) }),
      500,
    );
    await bobStream.next((e) => e.event === 'welcome');

    let running = true;
    const failures: string[] = [];
    let sent = 0;
    const traffic = (async () => {
      while (running) {
        const n = sent;
        const [signal, me] = await Promise.all([
          ann.client
            .post(`/api/rooms/${room}/signal`, { from: annPeer, to: bobPeer, type: 'candidate', data: { n } })
            .catch((e: Error) => ({ status: 0, text: e.message })),
          bob.client.get('/api/me').catch((e: Error) => ({ status: 0, text: e.message })),
        ]);
        if (signal.status === 202) sent += 1;
        else failures.push(`signal ${n}: ${signal.status} ${signal.text.slice(0, 120)}`);
        if (me.status !== 200) failures.push(`me: ${me.status} ${me.text.slice(0, 120)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const figures: string[] = [];
    for (const i of [0, 1]) {
      const sentBefore = sent;
      const began = Date.now();
      procs[i]!.kill('SIGTERM');
      expect(await procs[i]!.exit, procs[i]!.stderr()).toBe(0);
      const stoppedAfter = Date.now() - began;
      await start(i);
      // As an operator (or an orchestrator's readiness gate) does: the next process stops only
      // once the proxy sends work to this one again.
      await waitFor(`the proxy uses process ${i + 1} again`, async () => procs[i]!.stdout().includes('"path":"/api/me"'), 10_000);
      figures.push(
        `process ${i + 1} stopped in ${stoppedAfter} ms and was in use again after ${Date.now() - began} ms, ${sent - sentBefore} signals meanwhile`,
      );
    }
    // Traffic goes on through both processes again for a moment.
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await traffic;
    expect(failures.slice(0, 5)).toEqual([]);
    // Every accepted signal reached Bob, in order, once (his stream moved with the restarts).
    await bobStream.next((e) => e.event === 'signal' && e.data.data?.n === sent - 1, 10_000);
    const got = bobStream.events.filter((e) => e.event === 'signal').map((e) => e.data.data.n);
    expect(got).toEqual([...Array(sent).keys()]);
    expect(bobStream.reconnectedAt.length).toBeGreaterThan(0);
    bobStream.stop();
    console.info(`[${name}] ${figures.join('; ')}; ${sent} signals accepted, none failed, all received in order`);
  });
});
