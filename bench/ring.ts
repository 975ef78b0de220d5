/**
 * Ringing across processes: from `call:ring` on the caller's socket (process
 * A) to `call:incoming` on the callee's socket (process B), RINGS times.
 * Each ring is cancelled once it arrived (and the cancel's `call:ended` is
 * awaited), so every ring is a fresh call. Callers take turns, since one user
 * may ring 10 times a minute. Prints p50, p90, p99 and max.
 *
 *   npm run bench:ring                 (RINGS=300; needs MySQL and Redis)
 *   npm run bench:ring -- --browser    (CALLS=20, a new caller every PER_CALLER=10; also /usr/bin/chromium; builds the web client)
 *
 * The browser half measures from the callee's Accept click to connected on
 * both sides (acceptToConnected below).
 */
import os from 'node:os';
import { io as connect, type Socket } from 'socket.io-client';
import { build } from 'vite';
import { launchBrowser } from '../web/test/browser.js';
import { BENCH_ORIGIN, fmt, percentile, signupToken, sleep, startParley } from './lib.js';

const RINGS = Number(process.env.RINGS ?? 300);
const CALLS = Number(process.env.CALLS ?? 20);
const RUN_TIMEOUT_MS = Number(process.env.RUN_TIMEOUT_MS ?? 15_000);
// How often each page looks at its connection's state (window.__parley.states(), which reads
// what the page already knows; getStats() every few milliseconds slowed the very setup it timed).
const POLL_MS = Number(process.env.POLL_MS ?? 2);
const PER_CALLER = Number(process.env.PER_CALLER ?? 10);
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

async function ringDelivery() {
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

/**
 * Ann (on process A) calls Bob (on process B) from their conversation, CALLS times. Once Bob's
 * prompt has shown for a second (a person takes longer than that to click), Accept is clicked;
 * the time is from that click to `connected` on both pages, read from each page's getStats().
 * Ann then hangs up and both pages go back to the conversation before the next call.
 */
async function acceptToConnected() {
  await build({ configFile: new URL('../web/vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
  const a = await startParley(DB, {}, { browserOrigin: true });
  const b = await startParley(DB, { REDIS_PREFIX: a.prefix }, { browserOrigin: true, joining: true });
  const browser = await launchBrowser();
  const loadBefore = os.loadavg();
  try {
    const tag = Math.random().toString(36).slice(2, 7);
    const logs: string[] = [];
    const signUp = async (stem: string, base: string) => {
      const context = await browser.newContext({ baseURL: base, permissions: ['microphone'] });
      const username = `${stem}_${tag}`;
      const res = await context.request.post('/api/auth/signup', {
        data: { username, password: 'bench-password', displayName: stem },
        headers: { origin: base },
      });
      if (!res.ok()) throw new Error(`signup: ${res.status()}`);
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'warning' || m.type() === 'error') logs.push(`${stem} ${new Date().toISOString()} ${m.text()}`);
      });
      page.on('request', (r) => {
        if (!r.url().endsWith('/signal')) return;
        const body = r.postDataJSON() as { type: string; data?: { candidate?: string } };
        logs.push(
          `${stem} ${new Date().toISOString()} sent ${body.type} ${body.type === 'candidate' ? body.data?.candidate : body.type === 'state' ? JSON.stringify(body.data) : ''}`,
        );
      });
      page.on('response', (r) => {
        if (r.status() >= 400) logs.push(`${stem} ${new Date().toISOString()} ${r.request().method()} ${r.url()} → ${r.status()}`);
      });
      return { page, username };
    };
    const connectedAt = (page: Awaited<ReturnType<typeof signUp>>['page'], deadline: number) =>
      page.evaluate<number | null>(`new Promise((resolve) => {
        const poll = () => Promise.resolve(window.__parley.states()).then((s) => {
          if (s.length === 1 && s[0] === 'connected') resolve(Date.now());
          else if (Date.now() > ${deadline}) resolve(null);
          else setTimeout(poll, ${POLL_MS});
        }, () => setTimeout(poll, ${POLL_MS}));
        poll();
      })`);
    const bob = await signUp('bob', b.base);
    await bob.page.goto('/dm');
    let ann = await signUp('ann0', a.base);
    const times: number[] = [];
    let failed = 0;
    // Calls in which both sides offered: each side should know which of them offers.
    let collisions = 0;
    for (let run = 0; run < CALLS; run++) {
      // One person may ring 10 times a minute: a new caller for every ten calls.
      if (run > 0 && run % PER_CALLER === 0) {
        await ann.page.context().close();
        ann = await signUp(`ann${run}`, a.base);
      }
      if (!ann.page.url().endsWith(`/dm/${bob.username}`)) await ann.page.goto(`/dm/${bob.username}`);
      await ann.page
        .getByRole('main')
        .getByRole('button', { name: /^Call / })
        .click();
      await ann.page.waitForURL(/\/r\/call-/);
      const prompt = bob.page.getByRole('alertdialog', { name: 'Incoming call' });
      await prompt.waitFor();
      await sleep(1000);
      const clickedAt = await bob.page.evaluate<number>(
        `(() => { const b = [...document.querySelectorAll('[role=alertdialog] button')].find((b) => b.textContent.trim() === 'Accept'); const t = Date.now(); b.click(); return t; })()`,
      );
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      const [x, y] = await Promise.all([connectedAt(ann.page, deadline), connectedAt(bob.page, deadline)]);
      if (x === null || y === null) {
        failed += 1;
        const seen = (page: typeof bob.page) =>
          page.evaluate<string>(`window.__parley.stats().then((s) => JSON.stringify(s.map((c) => [c.state, c.signalingState, c.iceState])))`);
        console.log(`call ${run}: not connected within ${RUN_TIMEOUT_MS} ms; Ann sees ${await seen(ann.page)}, Bob sees ${await seen(bob.page)}`);
        // What each page posted and warned about during this call, for the failure to be readable.
        for (const line of logs.splice(0)) console.log(`  ${line}`);
      } else {
        times.push(Math.max(x, y) - clickedAt);
        if (logs.some((l) => l.startsWith('bob') && l.includes('sent offer')) && logs.some((l) => l.startsWith('ann') && l.includes('sent offer')))
          collisions += 1;
        logs.length = 0;
      }
      await ann.page.getByRole('button', { name: /^(Leave call|Hang up)$/ }).click();
      await ann.page.waitForURL(`**/dm/${bob.username}`);
      await bob.page.waitForURL(`**/dm/${ann.username}`);
    }
    times.sort((x, y) => x - y);
    console.log(`accept → connected on both sides, Ann on process A, Bob on process B, ${CALLS} calls in Chromium:`);
    console.log(
      `  median ${fmt(percentile(times, 50), 0)} ms   p90 ${fmt(percentile(times, 90), 0)} ms   max ${fmt(times.at(-1) ?? NaN, 0)} ms   failed ${failed}   (target median ≤ 300 ms)`,
    );
    console.log(`  calls in which both sides offered: ${collisions}`);
    console.log(
      `  load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await browser.close();
    await b.stop();
    await a.stop();
  }
}

if (process.argv.includes('--browser')) await acceptToConnected();
else await ringDelivery();
