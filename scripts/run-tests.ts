/**
 * The vitest part of `npm test`, in two lanes that run at the same time, each one file at a
 * time:
 *
 * - browser: `web/test` (each file drives Chromium, whose fake media and `getStats()` figures
 *   suffer when two compete for the CPU) and the server files listed in IN_BROWSER_LANE, then a
 *   call through the UI on a Redis Cluster;
 * - server: `src` on the single Redis, then the Redis-dependent files again on a Redis Cluster
 *   (vitest.cluster.config.ts).
 *
 * Most test time is spent waiting (timeouts, sweeps, reconnections): one lane alone kept a
 * two-core machine about a quarter busy, and the two lanes take about as long each. A third lane
 * (the cluster pass on its own) made the machine too busy for the tests that measure audio and
 * latency. Each lane runs with a TEST_RUN_TAG of its own (the given one plus a letter), so their
 * databases and Redis keys never meet. The web client is built once, first, as the tests'
 * global setup would build it.
 *
 *   npm test               (typecheck, lint, then this)
 *   tsx scripts/run-tests.ts
 */
import { spawn } from 'node:child_process';

type Step = { args: string[]; env: Record<string, string> };
type Lane = { name: string; steps: Step[] };

const tag = (process.env.TEST_RUN_TAG ?? '')
  .toLowerCase()
  .replace(/[^a-z0-9]/g, '')
  .slice(0, 15);
const vitest = (args: string[], env: Record<string, string> = {}): Step => ({ args: ['vitest', 'run', ...args], env });

// Files that compare latency quiet and under a flood within one run: they run alone, after
// the lanes, since the other lane's load lands on one measurement and not the other.
const TIMING = ['src/dm/flood.test.ts', 'src/rooms/flood-latency.test.ts', 'src/rooms/password-flood.test.ts'];

// Server files that drive Chromium through process restarts: they run in the browser lane. (The
// proxy tests, which drive no browser, went back to the server lane when camera, screen and file
// tests made the browser lane the longer one: measured 704 s against 682 s.)
const IN_BROWSER_LANE = ['src/resilience/rolling-restart.test.ts'];

const lanes: Lane[] = [
  {
    name: 'browser',
    steps: [
      vitest(['web/test', ...IN_BROWSER_LANE, '--maxWorkers=1'], { TEST_RUN_TAG: `${tag}b` }),
      // A call between two people through the UI, with the servers on a Redis Cluster (the relay
      // and four-person calls differ from it in the browsers, not in Redis).
      vitest(['web/test/calls.test.ts', '-t', 'connects through the UI and carries audio both ways'], { TEST_RUN_TAG: `${tag}d`, TEST_REDIS: 'cluster' }),
    ],
  },
  {
    name: 'server',
    steps: [
      vitest(['src', '--maxWorkers=1', ...[...TIMING, ...IN_BROWSER_LANE].flatMap((f) => ['--exclude', f])], { TEST_RUN_TAG: `${tag}s` }),
      vitest(['--config', 'vitest.cluster.config.ts', '--maxWorkers=1'], { TEST_RUN_TAG: `${tag}c`, TEST_REDIS: 'cluster' }),
    ],
  },
];

/** Runs a command with each line of its output prefixed by the lane's name; resolves to its exit code. */
function run(lane: string, command: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      let rest = '';
      from.setEncoding('utf8');
      from.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) to.write(`[${lane}] ${line}\n`);
      });
      from.on('end', () => {
        if (rest) to.write(`[${lane}] ${rest}\n`);
      });
    }
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  const started = Date.now();
  // What the global setup does (src/test/global-setup.ts), once for both lanes.
  if (process.env.TEST_SKIP_WEB_BUILD !== '1') {
    const built = await run('build', 'npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { NODE_ENV: 'production' });
    if (built !== 0) process.exit(built);
  }
  const results = await Promise.all(
    lanes.map(async (lane) => {
      const laneStarted = Date.now();
      for (const step of lane.steps) {
        const code = await run(lane.name, 'npx', step.args, { TEST_SKIP_WEB_BUILD: '1', ...step.env });
        if (code !== 0) return { lane, code, seconds: (Date.now() - laneStarted) / 1000 };
      }
      return { lane, code: 0, seconds: (Date.now() - laneStarted) / 1000 };
    }),
  );
  let timing = 0;
  if (results.every((r) => r.code === 0)) {
    timing = await run('timing', 'npx', ['vitest', 'run', '--maxWorkers=1', ...TIMING], { TEST_SKIP_WEB_BUILD: '1', TEST_RUN_TAG: `${tag}t` });
    console.log(`timing files: ${timing === 0 ? 'passed' : `FAILED (exit ${timing})`}`);
  }
  for (const r of results) console.log(`${r.lane.name} lane: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s`);
  console.log(`all tests: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(results.some((r) => r.code !== 0) || timing !== 0 ? 1 : 0);
}

void main();
