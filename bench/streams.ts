/**
 * 10,000 open room streams in one Parley process (5,000 rooms of 2) against a
 * bare node:http SSE server holding the same streams, side by side:
 *   - Redis connections the server uses (should not grow with streams),
 *   - RSS per open stream,
 *   - fan-out: one event in every room at once, until all 10,000 streams have it.
 *
 *   npm run bench:streams            (ROOMS=5000 by default; needs MySQL and Redis)
 *   BENCH_REDIS=cluster npm run bench:streams   (Parley on a fresh six-node Redis Cluster)
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis as RedisNode } from 'ioredis';
import { sessionIdFromToken } from '../src/auth/session.js';
import { keySpace, nodeFor } from '../src/redis/client.js';
import { createRoomState } from '../src/rooms/live-state.js';
import { roomKeys } from '../src/rooms/room-keys.js';
import {
  BENCH_ORIGIN,
  BENCH_REDIS_KIND,
  BENCH_REDIS_URL,
  type BenchRedis,
  cpuMeter,
  fmt,
  isMain,
  freePort,
  mapLimit,
  memoryOf,
  openRawStreams,
  redisConnectionsOf,
  redisPidOf,
  signupToken,
  sleep,
  spawnNode,
  startBenchRedis,
  startParley,
  waitForHttp,
  type Memory,
  type RawStream,
} from './lib.js';

const ROOMS = Number(process.env.ROOMS ?? 5000);
const STREAMS = ROOMS * 2;
const USERS = 100;
const REDIS_URL = BENCH_REDIS_URL;
const DB = 'parley_bench_streams';

export type Result = {
  before: Memory;
  after: Memory;
  redisConnections: number;
  fanoutMs: number;
  emitFanoutMs?: number;
  /** Of emitFanoutMs, until the bench's client had every answer from Redis. */
  emitAnsweredMs?: number;
  /** CPU seconds each process used during the fan-out and the end-to-end runs. */
  fanoutCpu?: Record<string, number>;
  emitCpu?: Record<string, number>;
};

const nodesOf = (redis: BenchRedis) => redis.cluster?.nodes ?? [new URL(BENCH_REDIS_URL).host];

/** Memory after garbage collection, once two readings agree within 1%. */
async function settle(server: ChildProcess): Promise<Memory> {
  let last = await memoryOf(server);
  for (let i = 0; i < 8; i++) {
    await sleep(750);
    const now = await memoryOf(server);
    if (Math.abs(now.rss - last.rss) / last.rss < 0.01) return now;
    last = now;
  }
  return last;
}

/** Ms until every stream has `marker`, and until the trigger's Redis commands were all answered. */
async function fanout(streams: RawStream[], marker: string, trigger: () => Promise<unknown>): Promise<{ ms: number; answeredMs: number }> {
  for (const s of streams) s.watch(marker);
  let remaining = streams.length;
  const done = new Promise<void>((resolve) => {
    for (const s of streams) s.whenCount(1, () => --remaining === 0 && resolve());
  });
  const started = performance.now();
  await trigger();
  const answeredMs = performance.now() - started;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fan-out incomplete: ${remaining} streams never got "${marker}"`)), 60_000);
  });
  await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  return { ms: performance.now() - started, answeredMs };
}

/** Parley's side, on the single Redis or on a cluster. */
export async function benchParley(benchRedis: BenchRedis): Promise<Result> {
  // Each of the USERS accounts joins STREAMS / USERS rooms in a few seconds, far past the per-user
  // join budget meant for people; the bench measures streams, so it raises that budget. A member
  // whose stream has not opened within the member timeout is removed: on a busy machine the
  // 10,000 joins and the memory readings can take longer than the default 20 s, so it is raised too.
  const parley = await startParley(DB, { ROOM_JOIN_MAX: String(STREAMS), ROOM_MEMBER_TIMEOUT_MS: '120000', ...benchRedis.env });
  const { server, port, base, prefix, admin } = parley;
  try {
    // Accounts through the API; rooms straight into MySQL (room creation is rate limited per user).
    const tokens = await mapLimit([...Array(USERS).keys()], 16, (i) => signupToken(base, `bench${i}`));
    await admin.query(`USE ${DB}`);
    const [[owner]] = (await admin.query('SELECT id FROM users ORDER BY id LIMIT 1')) as unknown as [[{ id: number }]];
    const rows = [...Array(ROOMS).keys()].map((r) => [`r${r}`, owner.id, 2, new Date()]);
    for (let i = 0; i < rows.length; i += 1000) {
      await admin.query('INSERT INTO rooms (name, owner_id, capacity, created_at) VALUES ?', [rows.slice(i, i + 1000)]);
    }
    const seats = [...Array(STREAMS).keys()].map((i) => ({ room: `r${Math.floor(i / 2)}`, token: tokens[i % USERS]! }));
    const peers = await mapLimit(seats, 32, async ({ room, token }) => {
      const res = await fetch(`${base}/api/rooms/${room}/join`, {
        method: 'POST',
        headers: { origin: BENCH_ORIGIN, cookie: `parley_session=${token}` },
      });
      // A join refused (a busy machine can make Redis time out) would leave a stream waiting forever.
      if (res.status !== 200) throw new Error(`join ${room} answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { peerId: string }).peerId;
    });

    const before = await settle(server);
    const streams = await openRawStreams(
      port,
      seats.map((s, i) => `/api/rooms/${s.room}/events?peer=${peers[i]}`),
      (i) => ({ cookie: `parley_session=${seats[i]!.token}` }),
      'event: welcome',
    );
    await sleep(1000);
    const after = await settle(server);

    const redisConnections = await redisConnectionsOf(server.pid, nodesOf(benchRedis));
    const redis = await benchRedis.connect();
    const state = createRoomState(redis, keySpace(prefix), {
      memberTimeoutMs: 20_000,
      replayEvents: 1000,
      replayBytes: 1024 * 1024,
      maxBufferedBytes: 256 * 1024,
    });
    // End to end: one member-state in every room through the Lua emit path the API uses
    // (HSET + XADD to the room's stream + SPUBLISH), which does more work inside Redis.
    // First the same in a few rooms, so that every node has the script cached: a fresh cluster
    // has not run it yet, and the first call on a node costs a NOSCRIPT and an EVAL of the source.
    const setState = (r: number) => state.setState(`r${r}`, peers[r * 2]!, sessionIdFromToken(seats[r * 2]!.token), true, false);
    await Promise.all([...Array(Math.min(ROOMS, 64)).keys()].map(setState));
    await sleep(500);
    // Where the cores went: Parley, each Redis node (on a cluster, masters and replicas), the bench.
    const nodes = nodesOf(benchRedis);
    const pids = { parley: server.pid, ...Object.fromEntries(nodes.map((n) => [`redis ${n}`, redisPidOf(n)])) };
    let meter = cpuMeter(pids);
    const emit = await fanout(streams, 'event: member-state', () => Promise.all([...Array(ROOMS).keys()].map(setState)));
    // Fan-out alone: the same trigger as the bare server gets, one publish per room in a
    // pipeline (SPUBLISH on the room's sharded channel), in the wire format Parley's emit script
    // publishes. On a cluster, one pipeline per master, with the channels of the rooms it serves.
    // Ids above every real one so far: streams drop events not newer than what they wrote.
    const idBase = Date.now() + 60_000;
    const payload = JSON.stringify({ peerId: 'x'.repeat(22), inCall: true, muted: false });
    const emitCpu = meter();
    meter = cpuMeter(pids);
    const { ms: fanoutMs } = await fanout(streams, 'event: member-state', () => {
      const pipelines = new Map<RedisNode, ReturnType<RedisNode['pipeline']>>();
      for (let r = 0; r < ROOMS; r++) {
        const channel = roomKeys(keySpace(prefix), `r${r}`).channel;
        const node = nodeFor(redis, channel);
        let pipeline = pipelines.get(node);
        if (!pipeline) {
          pipeline = node.pipeline();
          pipelines.set(node, pipeline);
        }
        pipeline.spublish(channel, `${idBase}-${r} member-state - - -\n${payload}`);
      }
      return Promise.all([...pipelines.values()].map((p) => p.exec()));
    });
    for (const s of streams) s.close();
    redis.disconnect();
    const fanoutCpu = meter();
    return { before, after, redisConnections, fanoutMs, emitFanoutMs: emit.ms, emitAnsweredMs: emit.answeredMs, emitCpu, fanoutCpu };
  } finally {
    await parley.stop();
  }
}

async function benchBare(): Promise<Result> {
  const port = await freePort();
  const channelPrefix = `bare_bench:${randomBytes(3).toString('hex')}:`;
  const server = spawnNode(['bench/bare-sse-server.ts'], { PORT: String(port), REDIS_URL, CHANNEL_PREFIX: channelPrefix });
  try {
    await sleep(500);
    await waitForHttp(`http://127.0.0.1:${port}/`);
    const before = await settle(server);
    const paths = [...Array(STREAMS).keys()].map((i) => `/events?room=r${Math.floor(i / 2)}`);
    const streams = await openRawStreams(port, paths, () => ({}), ':\n\n');
    await sleep(1000);
    const after = await settle(server);
    const redisConnections = await redisConnectionsOf(server.pid, [new URL(REDIS_URL).host]);
    const redis = new RedisNode(REDIS_URL);
    const payload = JSON.stringify({ peerId: 'x'.repeat(22), inCall: true, muted: false });
    const { ms: fanoutMs } = await fanout(streams, 'data: ', () => {
      const pipeline = redis.pipeline();
      for (let r = 0; r < ROOMS; r++) pipeline.publish(`${channelPrefix}r${r}`, payload);
      return pipeline.exec();
    });
    for (const s of streams) s.close();
    redis.disconnect();
    return { before, after, redisConnections, fanoutMs };
  } finally {
    server.kill('SIGTERM');
  }
}

async function main() {
  // BENCH_REDIS=cluster: Parley on a fresh six-node Redis Cluster; the bare server stays on the single one.
  const redis = await startBenchRedis(BENCH_REDIS_KIND);
  let parley: Result;
  try {
    parley = await benchParley(redis);
  } finally {
    await redis.stop();
  }
  await sleep(2000);
  const bare = await benchBare();
  const on = redis.kind === 'cluster' ? ' (Parley on a six-node Redis Cluster, the bare server on one Redis)' : '';

  const perStream = (r: Result, f: (m: Memory) => number) => (f(r.after) - f(r.before)) / STREAMS;
  const kb = (b: number) => fmt(b / 1024, 1);
  const rows: Array<[string, (m: Memory) => number]> = [
    ['RSS', (m) => m.rss],
    ['JS heap + external, after GC', (m) => m.heapUsed + m.external],
  ];
  console.log(`\nRoom streams: ${STREAMS.toLocaleString('en')} open streams in ${ROOMS.toLocaleString('en')} rooms of 2, one process each${on}\n`);
  console.log('| | Parley | bare node:http SSE | ratio |');
  console.log('|---|---|---|---|');
  console.log(`| Redis connections held by the server | ${parley.redisConnections} | ${bare.redisConnections} | |`);
  console.log(
    `| RSS before / with streams (MiB) | ${fmt(parley.before.rss / 2 ** 20, 1)} / ${fmt(parley.after.rss / 2 ** 20, 1)} | ${fmt(bare.before.rss / 2 ** 20, 1)} / ${fmt(bare.after.rss / 2 ** 20, 1)} | |`,
  );
  for (const [label, f] of rows) {
    const p = perStream(parley, f);
    const b = perStream(bare, f);
    console.log(`| ${label} per stream (KiB) | ${kb(p)} | ${kb(b)} | ${fmt(p / b)}× |`);
  }
  console.log(
    `| fan-out: one PUBLISH per room, until all streams have it (ms) | ${fmt(parley.fanoutMs, 1)} | ${fmt(bare.fanoutMs, 1)} | ${fmt(parley.fanoutMs / bare.fanoutMs)}× |`,
  );
  console.log(
    `| end to end: one event per room through Parley's Lua emit (ms) | ${fmt(parley.emitFanoutMs!, 1)} | (PUBLISH only) ${fmt(bare.fanoutMs, 1)} | ${fmt(parley.emitFanoutMs! / bare.fanoutMs)}× |`,
  );
  console.log('\ntargets: Redis connections constant; RSS per stream and fan-out time ≤ 1.5× the bare server');
}

if (isMain(import.meta.url)) {
  await main();
  process.exit(0);
}
