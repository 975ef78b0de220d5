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
import { BENCH_ORIGIN, fmt, freePort, mapLimit, percentile, signupToken, sleep, spawnNode, startParley, waitForHttp } from './lib.js';

const PAIRS = Number(process.env.PAIRS ?? 100);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 10);
const PER_SENDER = Number(process.env.PER_SENDER ?? 200);
const DB = 'parley_bench_dm';
const ORIGIN = BENCH_ORIGIN;

type Run = { seconds: number; acked: number; latencies: number[]; delivered: number; acks: Array<{ id: number; clientId: string }> };

async function drive(sockets: Socket[], names: string[]): Promise<Run> {
  let delivered = 0;
  for (const s of sockets) s.on('dm:message', () => (delivered += 1));
  const latencies: number[] = [];
  const acks: Run['acks'] = [];
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
            const clientId = `p${p}m${n}`;
            const t0 = performance.now();
            const ack = await new Promise<any>((resolve) => sender.emit('dm:send', { to, body: `message ${n} of pair ${p}`, clientId }, resolve));
            latencies.push(performance.now() - t0);
            if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack)}`);
            acks.push({ id: ack.message.id, clientId });
          }
        }),
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await sleep(500);
  return { seconds, acked: acks.length, latencies: latencies.sort((a, b) => a - b), delivered, acks };
}

async function parley(): Promise<Run & { verified: string }> {
  const parleyServer = await startParley(DB, { DM_RATE_MAX: '1000000' });
  const { base, admin } = parleyServer;
  try {
    const names = [...Array(PAIRS * 2).keys()].map((i) => `dm_bench_${i}`);
    const tokens = await mapLimit(names, 16, (username) => signupToken(base, username));
    const sockets = await Promise.all(
      tokens.map(
        (token) =>
          new Promise<Socket>((resolve, reject) => {
            const s = connect(`${base}/dm`, { transports: ['websocket'], extraHeaders: { origin: ORIGIN, cookie: `parley_session=${token}` } });
            s.once('connect', () => resolve(s));
            s.once('connect_error', reject);
          }),
      ),
    );
    const run = await drive(sockets, names);
    for (const s of sockets) s.disconnect();

    // Every acked message is stored, exactly once.
    await admin.query(`USE ${DB}`);
    const [rows] = await admin.query<RowDataPacket[]>('SELECT id, client_id FROM direct_messages');
    const stored = new Map<string, number[]>();
    for (const r of rows) stored.set(r.client_id, [...(stored.get(r.client_id) ?? []), Number(r.id)]);
    const missing = run.acks.filter((a) => !stored.get(a.clientId)?.includes(a.id)).length;
    const duplicated = [...stored.values()].filter((ids) => ids.length > 1).length;
    const verified = `${run.acked} acked, ${rows.length} rows, ${missing} missing, ${duplicated} duplicated`;
    return { ...run, verified };
  } finally {
    await parleyServer.stop();
  }
}

async function relay(): Promise<Run> {
  const port = await freePort();
  const server = spawnNode(['bench/bare-socketio-relay.ts'], { PORT: String(port) });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
    const names = [...Array(PAIRS * 2).keys()].map((i) => `u${i}`);
    const sockets = await Promise.all(
      names.map(
        (user) =>
          new Promise<Socket>((resolve, reject) => {
            const s = connect(`http://127.0.0.1:${port}/dm`, { transports: ['websocket'], auth: { user } });
            s.once('connect', () => resolve(s));
            s.once('connect_error', reject);
          }),
      ),
    );
    const run = await drive(sockets, names);
    for (const s of sockets) s.disconnect();
    return run;
  } finally {
    server.kill('SIGTERM');
  }
}

const p = await parley();
const r = await relay();
const rate = (x: Run) => x.acked / x.seconds;
console.log(`\nDirect messages: ${PAIRS} pairs, ${IN_FLIGHT} in flight per sender, ${PER_SENDER} messages per sender\n`);
console.log('| | Parley (stored, ack after commit) | raw Socket.IO relay | ratio |');
console.log('|---|---|---|---|');
console.log(`| messages/s | ${fmt(rate(p), 0)} | ${fmt(rate(r), 0)} | ${fmt((100 * rate(p)) / rate(r), 0)}% |`);
for (const q of [50, 99]) {
  console.log(`| ack latency p${q} (ms) | ${fmt(percentile(p.latencies, q), 1)} | ${fmt(percentile(r.latencies, q), 1)} | |`);
}
console.log(`| dm:message deliveries | ${p.delivered} | ${r.delivered} | |`);
console.log(`\nstorage check: ${p.verified}`);
console.log('target: Parley ≥ 50% of the relay’s messages/s, every acked message stored exactly once');
process.exit(0);
