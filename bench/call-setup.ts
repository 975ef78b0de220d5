/**
 * Call setup time in real browsers: from the "Join call" click of the
 * second person to `connected` on both sides, over RUNS calls between two
 * people in headless Chromium on loopback. A run not connected on both
 * sides within RUN_TIMEOUT_MS is a failed setup: it is reported with each
 * page's view of its connection, and the bench goes on with the next run.
 * Prints every run, the median and p90 of the setups that connected, how
 * many needed a retry (over 2 s) and how many failed, and the machine's load.
 *
 *   npm run bench:call                 (9 runs; needs MySQL, Redis and /usr/bin/chromium; builds the web client first)
 *   npm run bench:call -- --runs 300   (or RUNS=300; RUN_TIMEOUT_MS=15000)
 */
import os from 'node:os';
import { build } from 'vite';
import { launchBrowser } from '../web/test/browser.js';
import { fmt, percentile, sleep, startParley, twoPeopleAndARoom } from './lib.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = Number(runsArg >= 0 ? process.argv[runsArg + 1] : (process.env.RUNS ?? 9));
const RUN_TIMEOUT_MS = Number(process.env.RUN_TIMEOUT_MS ?? 15_000);
// Longer than any setup that connects at once; shorter than the links' own retry (5 s).
const RETRIED_MS = 2000;

await build({ configFile: new URL('../web/vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
// TEST_RUN_TAG keeps this run's database apart from another checkout's run of the same bench.
const tag = /^[a-z0-9]{1,16}$/.test(process.env.TEST_RUN_TAG ?? '') ? `_${process.env.TEST_RUN_TAG}` : '';
const parley = await startParley(`parley_bench_call${tag}`, {}, { browserOrigin: true });
const browser = await launchBrowser();
const loadBefore = os.loadavg();
try {
  const { ann, bob, room } = await twoPeopleAndARoom(browser, parley.base);
  const pages = [ann, bob];
  for (const p of pages) {
    await p.goto(`/r/${room}`);
    await p.getByRole('button', { name: 'Join call' }).waitFor();
  }

  // Resolves with Date.now() at the moment this page has one connected connection, or null when
  // the run's time is up. It reads each connection's state as the page knows it: polling
  // getStats() every 2 ms, as this bench once did, cost enough CPU to slow the setup it timed.
  // (A string, so that nothing the TypeScript loader adds to functions has to exist in the page.)
  const connectedAt = (page: typeof ann, deadline: number) =>
    page.evaluate<number | null>(`new Promise((resolve) => {
      const poll = () => Promise.resolve(window.__parley.states()).then((s) => {
        if (s.length === 1 && s[0] === 'connected') resolve(Date.now());
        else if (Date.now() > ${deadline}) resolve(null);
        else setTimeout(poll, 2);
      });
      poll();
    })`);
  const described = (page: typeof ann) => page.evaluate<string>(`window.__parley.stats().then((s) => JSON.stringify(s.map((c) => c.state)))`);

  const times: number[] = [];
  const failures: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await ann.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    const annDone = connectedAt(ann, deadline);
    annDone.catch(() => {});
    const clickedAt = await bob.evaluate<number>(
      `(() => { const b = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Join call'); const t = Date.now(); b.click(); return t; })()`,
    );
    const [a, b] = await Promise.all([annDone, connectedAt(bob, deadline)]);
    if (a === null || b === null) {
      failures.push(run);
      console.log(`run ${run}: not connected after ${RUN_TIMEOUT_MS} ms; ann sees ${await described(ann)}, bob sees ${await described(bob)}`);
    } else {
      times.push(Math.max(a, b) - clickedAt);
    }
    for (const p of [bob, ann]) {
      await p.getByRole('button', { name: 'Leave call' }).click();
      await p.getByRole('button', { name: 'Join call' }).waitFor();
    }
    // Let both sides see each other leave before the next call.
    await sleep(300);
    if (RUNS > 20 && (run + 1) % 50 === 0) console.log(`… ${run + 1} runs, ${failures.length} failed`);
  }
  const sorted = [...times].sort((x, y) => x - y);
  const retried = times.filter((t) => t > RETRIED_MS).length;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nCall setup, "Join call" click to connected on both sides, ${RUNS} runs, headless Chromium on loopback\n`);
  if (RUNS <= 30) console.log(`runs (ms): ${times.join(', ')}`);
  console.log(`connected: ${times.length}   failed (not connected within ${RUN_TIMEOUT_MS} ms): ${failures.length}   over ${RETRIED_MS} ms: ${retried}`);
  console.log(
    `median: ${fmt(percentile(sorted, 50), 0)} ms   p90: ${fmt(percentile(sorted, 90), 0)} ms   p99: ${fmt(percentile(sorted, 99), 0)} ms   best: ${sorted[0]} ms   worst: ${sorted.at(-1)} ms`,
  );
  console.log(`load average (1, 5, 15 min) on ${os.cpus().length} cores: before ${load(loadBefore)}, after ${load(os.loadavg())}`);
  console.log('target: median ≤ 150 ms, no failed setups');
  if (failures.length > 0) process.exitCode = 1;
} finally {
  await browser.close();
  await parley.stop();
}
process.exit(process.exitCode ?? 0);
