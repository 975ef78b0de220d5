/**
 * Signal latency: from the POST of a signal to the SSE event arriving at the
 * addressed peer, through the real Parley app (session check, membership
 * check, event id, Redis Stream + PUBLISH, fan-out), side by side with a bare
 * hop (bench/bare-hop-server.ts: a Hono POST that PUBLISHes, an SSE relay
 * from one subscriber). One signal in flight at a time; each server runs in
 * its own process on loopback.
 *
 *   npm run bench:signal        (COUNT=3000 by default; needs MySQL and Redis)
 */
import { randomBytes } from 'node:crypto';
import { BENCH_ORIGIN, BENCH_REDIS_URL, fmt, freePort, percentile, RawStream, signupToken, sleep, spawnNode, startParley, waitForHttp } from './lib.js';

const COUNT = Number(process.env.COUNT ?? 3000);
const WARMUP = 300;
const SENDERS = 12;
const REDIS_URL = BENCH_REDIS_URL;
const DB = 'parley_bench_signal';
const ORIGIN = BENCH_ORIGIN;

type Hop = { stream: RawStream; post: (i: number) => Promise<Response> };

/** Sends COUNT signals one after another and returns each one's POST-to-event time in ms, sorted. */
async function measure(hop: Hop): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + COUNT; i++) {
    const arrived = new Promise<void>((resolve) => hop.stream.whenCount(i + 1, resolve));
    const started = performance.now();
    const res = await hop.post(i);
    if (res.status !== 202) throw new Error(`signal answered ${res.status}: ${await res.text()}`);
    await arrived;
    if (i >= WARMUP) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

async function parleyHop(): Promise<number[]> {
  const parley = await startParley(DB);
  const { port, base } = parley;
  try {
    const call = async (path: string, token: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'application/json', cookie: `parley_session=${token}` },
        body: JSON.stringify(body ?? {}),
      });
      return { res, json: (await res.json().catch(() => null)) as { peerId: string } };
    };
    const signup = (username: string) => signupToken(base, username);
    const ann = await signup('bench_ann');
    await call('/api/rooms', ann, { name: 'bench', capacity: 16 });
    const annPeer = (await call('/api/rooms/bench/join', ann)).json.peerId as string;
    // The signals come from SENDERS members in turn, as in a busy room: one user sending 3,300
    // signals in a few seconds would be a flood, and its per-user budget (ROOM_SIGNAL_MAX, 1000
    // per 10 s, decided without Redis up to half of it) would refuse it.
    const senders: Array<{ token: string; peer: string }> = [];
    for (let i = 0; i < SENDERS; i++) {
      const token = await signup(`bench_sender${i}`);
      senders.push({ token, peer: (await call('/api/rooms/bench/join', token)).json.peerId as string });
    }
    const stream = new RawStream(port, `/api/rooms/bench/events?peer=${annPeer}`, { cookie: `parley_session=${ann}` }, 'event: signal');
    await sleep(300);
    const body = (i: number) =>
      JSON.stringify({
        from: senders[i % SENDERS]!.peer,
        to: annPeer,
        type: 'candidate',
        data: { candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 5000${i % 10} typ host`, sdpMid: '0' },
      });
    const headers = (i: number) => ({ origin: ORIGIN, 'content-type': 'application/json', cookie: `parley_session=${senders[i % SENDERS]!.token}` });
    const times = await measure({ stream, post: (i) => fetch(`${base}/api/rooms/bench/signal`, { method: 'POST', headers: headers(i), body: body(i) }) });
    stream.close();
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

const parley = await parleyHop();
const bare = await bareHop();
console.log(`\nSignal POST → SSE event at the addressed peer, ${COUNT} signals one at a time (after ${WARMUP} warm-up)\n`);
console.log('| ms | Parley | bare hop | ratio |');
console.log('|---|---|---|---|');
for (const p of [50, 90, 99]) {
  const a = percentile(parley, p);
  const b = percentile(bare, p);
  console.log(`| p${p} | ${fmt(a, 3)} | ${fmt(b, 3)} | ${fmt(a / b)}× |`);
}
console.log('\ntargets: p50 ≤ 2×, p99 ≤ 3× the bare hop');
process.exit(0);
