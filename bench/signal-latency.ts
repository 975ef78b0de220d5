/**
 * Signal latency: from the POST of a signal to the SSE event arriving at the
 * addressed peer, through the real Parley app (session check, membership
 * check, event id, Redis Stream + PUBLISH, fan-out), side by side with a bare
 * hop (bench/bare-hop-server.ts: a Hono POST that PUBLISHes, an SSE relay
 * from one subscriber). One signal in flight at a time; each server runs in
 * its own process on loopback.
 *
 *   npm run bench:signal        (COUNT=3000 by default; needs MySQL and Redis)
 *   BENCH_REDIS=cluster npm run bench:signal   (Parley on a fresh six-node Redis Cluster)
 */
import { randomBytes } from 'node:crypto';
import {
  BENCH_ORIGIN,
  BENCH_REDIS_KIND,
  BENCH_REDIS_URL,
  fmt,
  freePort,
  isMain,
  percentile,
  RawStream,
  signupToken,
  sleep,
  spawnNode,
  startBenchRedis,
  startParley,
  waitForHttp,
} from './lib.js';

const COUNT = Number(process.env.COUNT ?? 3000);
const WARMUP = 300;
const SENDERS = 12;
const REDIS_URL = BENCH_REDIS_URL;
const DB = 'parley_bench_signal';
const ORIGIN = BENCH_ORIGIN;

export type Hop = { stream: RawStream; post: (i: number) => Promise<Response> };

/** Sends `count` signals (after WARMUP more) one after another and returns each one's POST-to-event time in ms, sorted. */
async function measure(hop: Hop, count = COUNT): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + count; i++) {
    const arrived = new Promise<void>((resolve) => hop.stream.whenCount(i + 1, resolve));
    const started = performance.now();
    const res = await hop.post(i);
    if (res.status !== 202) throw new Error(`signal answered ${res.status}: ${await res.text()}`);
    await arrived;
    if (i >= WARMUP) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

/**
 * A room `room` on a running Parley with a listener (`stream`, ann's event stream, through
 * `listenBase`) and SENDERS members who take turns signalling her: `post(i)` sends the i-th
 * signal through `sendBase` (another process of the same deployment, or the same one).
 */
export async function openSignalRoom(sendBase: string, listenPort: number, room = 'bench', listenBase = `http://127.0.0.1:${listenPort}`): Promise<Hop> {
  const call = async (base: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json', cookie: `parley_session=${token}` },
      body: JSON.stringify(body ?? {}),
    });
    return { res, json: (await res.json().catch(() => null)) as { peerId: string } };
  };
  const signup = (username: string) => signupToken(sendBase, username);
  const ann = await signup(`${room}_ann`);
  await call(sendBase, '/api/rooms', ann, { name: room, capacity: 16 });
  const annPeer = (await call(listenBase, `/api/rooms/${room}/join`, ann)).json.peerId as string;
  // The signals come from SENDERS members in turn, as in a busy room: one user sending 3,300
  // signals in a few seconds would be a flood, and its per-user budget (ROOM_SIGNAL_MAX, 1000
  // per 10 s, decided without Redis up to half of it) would refuse it.
  const senders: Array<{ token: string; peer: string }> = [];
  for (let i = 0; i < SENDERS; i++) {
    const token = await signup(`${room}_sender${i}`);
    senders.push({ token, peer: (await call(sendBase, `/api/rooms/${room}/join`, token)).json.peerId as string });
  }
  const stream = new RawStream(listenPort, `/api/rooms/${room}/events?peer=${annPeer}`, { cookie: `parley_session=${ann}` }, 'event: signal');
  await sleep(300);
  const body = (i: number) =>
    JSON.stringify({
      from: senders[i % SENDERS]!.peer,
      to: annPeer,
      type: 'candidate',
      data: { candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 5000${i % 10} typ host`, sdpMid: '0' },
    });
  const headers = (i: number) => ({ origin: ORIGIN, 'content-type': 'application/json', cookie: `parley_session=${senders[i % SENDERS]!.token}` });
  return { stream, post: (i) => fetch(`${sendBase}/api/rooms/${room}/signal`, { method: 'POST', headers: headers(i), body: body(i) }) };
}

/** Parley's POST-to-event times (ms, sorted) with its Redis given by `redisEnv` (REDIS_URL or REDIS_CLUSTER_NODES). */
export async function parleyHop(redisEnv: Record<string, string>, count = COUNT): Promise<number[]> {
  const parley = await startParley(DB, redisEnv);
  try {
    const hop = await openSignalRoom(parley.base, parley.port);
    const times = await measure(hop, count);
    hop.stream.close();
    return times;
  } finally {
    await parley.stop();
  }
}

async function bareHop(): Promise<number[]> {
  const port = await freePort();
  const server = spawnNode(['bench/bare-hop-server.ts'], {
    PORT: String(port),
    REDIS_URL,
    CHANNEL_PREFIX: `bare_hop:${randomBytes(3).toString('hex')}:`,
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/events`.replace('/events', '/nothing'));
    const stream = new RawStream(port, '/events', {}, 'event: signal');
    await sleep(300);
    const body = (i: number) =>
      JSON.stringify({
        from: 'x'.repeat(22),
        type: 'candidate',
        data: { candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 5000${i % 10} typ host`, sdpMid: '0' },
      });
    const times = await measure({
      stream,
      post: (i) => fetch(`http://127.0.0.1:${port}/signal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) }),
    });
    stream.close();
    return times;
  } finally {
    server.kill('SIGTERM');
  }
}

async function main() {
  // BENCH_REDIS=cluster: Parley on a fresh six-node Redis Cluster; the bare hop stays on the single server.
  const redis = await startBenchRedis(BENCH_REDIS_KIND);
  let parley: number[];
  try {
    parley = await parleyHop(redis.env);
  } finally {
    await redis.stop();
  }
  const bare = await bareHop();
  const on = redis.kind === 'cluster' ? ' (Parley on a six-node Redis Cluster, the bare hop on one Redis)' : '';
  console.log(`\nSignal POST → SSE event at the addressed peer, ${COUNT} signals one at a time (after ${WARMUP} warm-up)${on}\n`);
  console.log('| ms | Parley | bare hop | ratio |');
  console.log('|---|---|---|---|');
  for (const p of [50, 90, 99]) {
    const a = percentile(parley, p);
    const b = percentile(bare, p);
    console.log(`| p${p} | ${fmt(a, 3)} | ${fmt(b, 3)} | ${fmt(a / b)}× |`);
  }
  console.log('\ntargets: p50 ≤ 2×, p99 ≤ 3× the bare hop');
}

if (isMain(import.meta.url)) {
  await main();
  process.exit(0);
}
