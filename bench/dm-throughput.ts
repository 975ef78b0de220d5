/**
 * Direct-message throughput with commit-before-ack, side by side with a raw
 * Socket.IO relay without storage (bench/bare-socketio-relay.ts), both one
 * process on loopback. PAIRS pairs of people; each sender keeps IN_FLIGHT
 * messages unacknowledged at a time until it has sent PER_SENDER. Afterwards
 * every acked message is checked in MySQL: present, and exactly once.
 *
 *   npm run bench:dm      (PAIRS=100 IN_FLIGHT=10 PER_SENDER=200; needs MySQL and Redis)
 */
import type { RowDataPacket } from 'mysql2/promise';
import { io as connect, type Socket } from 'socket.io-client';
import type { DirectMessage, DmAck } from '../src/dm/protocol.js';
import { BENCH_ORIGIN, cpuMeter, fmt, freePort, mapLimit, percentile, pidOf, signupToken, sleep, spawnNode, startParley, waitForHttp } from './lib.js';

const PAIRS = Number(process.env.PAIRS ?? 100);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 10);
const PER_SENDER = Number(process.env.PER_SENDER ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
// Untimed rounds first, so that both servers are measured with their code compiled by the JIT.
const WARMUP = Number(process.env.WARMUP ?? 1);
const DB = 'parley_bench_dm';
const ORIGIN = BENCH_ORIGIN;

type Run = {
  seconds: number;
  acked: number;
  latencies: number[];
  delivered: number;
  acks: Array<{ id: number; clientId: string }>;
  cpu: Record<string, number>;
};

type Side = {
  sockets: Socket[];
  names: string[];
  pids: Record<string, number | undefined>;
  finish(runs: Run[]): Promise<string>;
  stop(): Promise<void>;
};

async function drive(side: Side, round: number): Promise<Run> {
  const { sockets, names } = side;
  let delivered = 0;
  const onMessage = () => (delivered += 1);
  for (const s of sockets) s.on('dm:message', onMessage);
  const latencies: number[] = [];
  const acks: Run['acks'] = [];
  const meter = cpuMeter(side.pids);
  const started = performance.now();
  await Promise.all(
    [...Array(PAIRS).keys()].map(async (p) => {
      const sender = sockets[p * 2]!;
      const to = names[p * 2 + 1]!;
      let next = 0;
      await Promise.all(
        [...Array(IN_FLIGHT).keys()].map(async () => {
          while (next < PER_SENDER) {
            const n = next++;
            const clientId = `r${round}p${p}m${n}`;
            const t0 = performance.now();
            const ack = await new Promise<DmAck<{ message: DirectMessage }>>((resolve) =>
              sender.emit('dm:send', { to, body: `message ${n} of pair ${p}`, clientId }, resolve),
            );
            latencies.push(performance.now() - t0);
            if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack)}`);
            acks.push({ id: ack.message.id, clientId });
          }
        }),
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter();
  await sleep(300);
  for (const s of sockets) s.off('dm:message', onMessage);
  return { seconds, acked: acks.length, latencies: latencies.sort((a, b) => a - b), delivered, acks, cpu };
}

function connectAll(names: string[], open: (name: string, i: number) => Socket): Promise<Socket[]> {
  return Promise.all(
    names.map(
      (name, i) =>
        new Promise<Socket>((resolve, reject) => {
          const s = open(name, i);
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
        }),
    ),
  );
}

async function parley(): Promise<Side> {
  const parleyServer = await startParley(DB, { DM_RATE_MAX: '1000000' });
  const { base, admin } = parleyServer;
  const names = [...Array(PAIRS * 2).keys()].map((i) => `dm_bench_${i}`);
  const tokens = await mapLimit(names, 16, (username) => signupToken(base, username));
  const sockets = await connectAll(names, (_name, i) =>
    connect(`${base}/dm`, { transports: ['websocket'], extraHeaders: { origin: ORIGIN, cookie: `parley_session=${tokens[i]}` } }),
  );
  return {
    sockets,
    names,
    pids: { server: parleyServer.server.pid, mysql: pidOf('mariadbd') ?? pidOf('mysqld'), redis: pidOf('redis-server') },
    async finish(runs) {
      // Every acked message is stored, exactly once.
      await admin.query(`USE ${DB}`);
      const [rows] = await admin.query<RowDataPacket[]>('SELECT id, client_id FROM direct_messages');
      const stored = new Map<string, number[]>();
      for (const r of rows) stored.set(r.client_id, [...(stored.get(r.client_id) ?? []), Number(r.id)]);
      const acks = runs.flatMap((r) => r.acks);
      const missing = acks.filter((a) => !stored.get(a.clientId)?.includes(a.id)).length;
      const duplicated = [...stored.values()].filter((ids) => ids.length > 1).length;
      return `${acks.length} acked, ${rows.length} rows, ${missing} missing, ${duplicated} duplicated`;
    },
    async stop() {
      for (const s of sockets) s.disconnect();
      await parleyServer.stop();
    },
  };
}

async function relay(): Promise<Side> {
  const port = await freePort();
  const server = spawnNode(['bench/bare-socketio-relay.ts'], { PORT: String(port) });
  await waitForHttp(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
  const names = [...Array(PAIRS * 2).keys()].map((i) => `u${i}`);
  const sockets = await connectAll(names, (user) => connect(`http://127.0.0.1:${port}/dm`, { transports: ['websocket'], auth: { user } }));
  return {
    sockets,
    names,
    pids: { server: server.pid },
    finish: async () => '',
    async stop() {
      for (const s of sockets) s.disconnect();
      server.kill('SIGTERM');
    },
  };
}

const rate = (x: Run) => x.acked / x.seconds;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The run whose rate is the median of the rounds: its latencies and CPU figures are reported. */
const medianRun = (runs: Run[]) => runs.find((r) => rate(r) === median(runs.map(rate)))!;

const p = await parley();
const r = await relay();
const pRuns: Run[] = [];
const rRuns: Run[] = [];
// Alternate the two so that whatever else the machine does falls on both alike.
const warmRuns: Run[] = [];
for (let round = 0; round < WARMUP; round++) {
  warmRuns.push(await drive(p, -1 - round));
  await drive(r, -1 - round);
}
for (let round = 0; round < ROUNDS; round++) {
  pRuns.push(await drive(p, round));
  rRuns.push(await drive(r, round));
}
// The warm-up rounds' messages are checked too.
const verified = await p.finish([...warmRuns, ...pRuns]);
await p.stop();
await r.stop();

const pm = medianRun(pRuns);
const rm = medianRun(rRuns);
const microsPerMessage = (run: Run, k: string) => (run.cpu[k] === undefined || Number.isNaN(run.cpu[k]) ? '–' : fmt((1e6 * run.cpu[k]!) / run.acked, 0));
console.log(
  `\nDirect messages: ${PAIRS} pairs, ${IN_FLIGHT} in flight per sender, ${PER_SENDER} messages per sender, ${ROUNDS} alternating rounds each after ${WARMUP} untimed\n`,
);
console.log('| | Parley (stored, ack after commit) | raw Socket.IO relay | ratio |');
console.log('|---|---|---|---|');
console.log(`| messages/s, median of ${ROUNDS} | ${fmt(rate(pm), 0)} | ${fmt(rate(rm), 0)} | ${fmt((100 * rate(pm)) / rate(rm), 0)}% |`);
console.log(`| messages/s, each round | ${pRuns.map((x) => fmt(rate(x), 0)).join(', ')} | ${rRuns.map((x) => fmt(rate(x), 0)).join(', ')} | |`);
for (const q of [50, 99]) {
  console.log(`| ack latency p${q} (ms) | ${fmt(percentile(pm.latencies, q), 1)} | ${fmt(percentile(rm.latencies, q), 1)} | |`);
}
console.log(`| dm:message deliveries per round | ${pm.delivered} | ${rm.delivered} | |`);
for (const k of ['server', 'mysql', 'redis', 'load generator']) {
  console.log(`| CPU µs per message: ${k} | ${microsPerMessage(pm, k)} | ${microsPerMessage(rm, k)} | |`);
}
console.log(`\nstorage check: ${verified}`);
console.log('target: Parley ≥ 50% of the relay’s messages/s, every acked message stored exactly once');
process.exit(0);
