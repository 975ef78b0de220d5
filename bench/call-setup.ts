/**
 * Call setup time in real browsers: from the "Join call" click of the
 * second person to `connected` on both sides, over RUNS calls between two
 * people in headless Chromium on loopback. Prints every run and the median.
 *
 *   npm run bench:call     (RUNS=9; needs MySQL, Redis and /usr/bin/chromium; builds the web client first)
 */
import { build } from 'vite';
import { launchBrowser } from '../web/test/browser.js';
import { fmt, percentile, startParley } from './lib.js';

const RUNS = Number(process.env.RUNS ?? 9);

await build({ configFile: new URL('../web/vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
const parley = await startParley('parley_bench_call', {}, { browserOrigin: true });
const browser = await launchBrowser();
try {
  const pages = await Promise.all(
    ['ann', 'bob'].map(async (stem) => {
      const context = await browser.newContext({ baseURL: parley.base, permissions: ['microphone'] });
      const username = `${stem}_${Math.random().toString(36).slice(2, 8)}`;
      const res = await context.request.post('/api/auth/signup', { data: { username, password: 'bench-password' }, headers: { origin: parley.base } });
      if (!res.ok()) throw new Error(`signup: ${res.status()}`);
      return context.newPage();
    }),
  );
  const [ann, bob] = pages as [(typeof pages)[0], (typeof pages)[0]];
  const room = `bench-${Math.random().toString(36).slice(2, 8)}`;
  const created = await ann.context().request.post('/api/rooms', { data: { name: room }, headers: { origin: parley.base } });
  if (!created.ok()) throw new Error(`create room: ${created.status()}`);
  for (const p of pages) {
    await p.goto(`/r/${room}`);
    await p.getByRole('button', { name: 'Join call' }).waitFor();
  }

  // Resolves with Date.now() at the moment this page has one connected connection. (A string,
  // so that nothing the TypeScript loader adds to functions has to exist in the page.)
  const CONNECTED_AT = `new Promise((resolve) => {
    const poll = () => window.__parley.stats().then((s) => {
      if (s.length === 1 && s[0].state === 'connected') resolve(Date.now());
      else setTimeout(poll, 2);
    });
    poll();
  })`;
  const connectedAt = (page: typeof ann) => page.evaluate<number>(CONNECTED_AT);

  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await ann.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    const annDone = connectedAt(ann);
    annDone.catch(() => {});
    const clickedAt = await bob.evaluate<number>(
      `(() => { const b = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Join call'); const t = Date.now(); b.click(); return t; })()`,
    );
    const [a, b] = await Promise.all([annDone, connectedAt(bob)]);
    times.push(Math.max(a, b) - clickedAt);
    for (const p of [bob, ann]) {
      await p.getByRole('button', { name: 'Leave call' }).click();
      await p.getByRole('button', { name: 'Join call' }).waitFor();
    }
    // Let both sides see each other leave before the next call.
    await new Promise((r) => setTimeout(r, 300));
  }
  const sorted = [...times].sort((x, y) => x - y);
  console.log(`\nCall setup, "Join call" click to connected on both sides, ${RUNS} runs, headless Chromium on loopback\n`);
  console.log(`runs (ms): ${times.join(', ')}`);
  console.log(`median: ${fmt(percentile(sorted, 50), 0)} ms   p90: ${fmt(percentile(sorted, 90), 0)} ms   best: ${sorted[0]} ms`);
  console.log('target: median ≤ 500 ms');
} finally {
  await browser.close();
  await parley.stop();
}
process.exit(0);
