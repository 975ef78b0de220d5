/**
 * Ringing across processes: from `call:ring` on the caller's socket (process
 * A) to `call:incoming` on the callee's socket (process B), RINGS times.
 * Each ring is cancelled once it arrived (and the cancel's `call:ended` is
 * awaited), so every ring is a fresh call. Callers take turns, since one user
 * may ring 10 times a minute. Prints p50, p90, p99 and max.
 *
 *   npm run bench:ring            (RINGS=300; needs MySQL and Redis)
 *
 * The browser half, from the callee's Accept click to connected on both
 * sides, is `npm run bench:ring -- --browser` (needs /usr/bin/chromium).
 */
import { io as connect, type Socket } from 'socket.io-client';
import { BENCH_ORIGIN, fmt, percentile, signupToken, startParley } from './lib.js';

const RINGS = Number(process.env.RINGS ?? 300);
const PER_CALLER = 10;
const DB = 'parley_bench_ring';

function socketFor(base: string, token: string): Promise<Socket> {
  const socket = connect(`${base}/dm`, {
    transports: ['websocket'],
    extraHeaders: { origin: BENCH_ORIGIN, cookie: `parley_session=${token}` },
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function ringDelivery() {
  const a = await startParley(DB);
  const b = await startParley(DB, { REDIS_PREFIX: a.prefix }, { joining: true });
  const sockets: Socket[] = [];
  try {
    const tag = Math.random().toString(36).slice(2, 7);
    const callee = `callee_${tag}`;
    const calleeSocket = await socketFor(b.base, await signupToken(a.base, callee));
    sockets.push(calleeSocket);
    const callers: Socket[] = [];
    for (let i = 0; i < Math.ceil(RINGS / PER_CALLER); i++) {
      callers.push(await socketFor(a.base, await signupToken(a.base, `caller${i}_${tag}`)));
    }
    sockets.push(...callers);

    let waiting: ((id: string) => void) | undefined;
    calleeSocket.on('call:incoming', ({ call }: { call: { id: string } }) => waiting?.(call.id));
    const latencies: number[] = [];
    for (let i = 0; i < RINGS; i++) {
      const caller = callers[Math.floor(i / PER_CALLER)]!;
      const arrived = new Promise<number>((resolve) => {
        waiting = () => resolve(performance.now());
      });
      const started = performance.now();
      const ack = (await caller.timeout(10_000).emitWithAck('call:ring', { to: callee })) as { ok: boolean; call?: { id: string }; error?: unknown };
      if (!ack.ok || !ack.call) throw new Error(`ring ${i}: ${JSON.stringify(ack)}`);
      latencies.push((await arrived) - started);
      const ended = new Promise<void>((resolve) => calleeSocket.once('call:ended', () => resolve()));
      await caller.timeout(10_000).emitWithAck('call:cancel', { id: ack.call.id });
      await ended;
    }
    latencies.sort((x, y) => x - y);
    console.log(`ring delivery, call:ring on process A to call:incoming on process B, ${RINGS} rings:`);
    console.log(
      `  p50 ${fmt(percentile(latencies, 50))} ms   p90 ${fmt(percentile(latencies, 90))} ms   p99 ${fmt(percentile(latencies, 99))} ms   max ${fmt(latencies.at(-1) ?? NaN)} ms   (target p50 ≤ 50 ms)`,
    );
  } finally {
    for (const s of sockets) s.disconnect();
    await b.stop();
    await a.stop();
  }
}

if (!process.argv.includes('--browser')) await ringDelivery();
