/**
 * The picture of the Grafana dashboard for docs/metrics.md, from real data: starts two Parley
 * processes of one deployment with METRICS_PORT, a Prometheus (Debian's binary, on loopback,
 * with a scratch config and storage) scraping both every second, drives about a minute of
 * light mixed load (signups, rooms, streams, signals, direct messages, a few refusals), then
 * runs every panel's expressions of deploy/grafana/parley-dashboard.json through Prometheus's
 * query_range and draws them in the dashboard's layout (scripts/dashboard-render.ts), which
 * Chromium saves as docs/screenshots/dashboard.png. Grafana itself is not involved.
 *
 *   npx tsx scripts/dashboard-picture.ts     (needs MySQL, Redis, /usr/bin/prometheus, /usr/bin/chromium)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { BENCH_ORIGIN, freePort, signupToken, sleep, startParley, waitForHttp } from '../bench/lib.js';
import { SseClient } from '../src/test/sse-client.js';
import { dashboardHtml, type DashboardPanel, type DrawnPanel, type Series } from './dashboard-render.js';

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 70);
const OUT = new URL('../docs/screenshots/dashboard.png', import.meta.url).pathname;
const dashboard = JSON.parse(await readFile(new URL('../deploy/grafana/parley-dashboard.json', import.meta.url), 'utf8')) as {
  title: string;
  panels: DashboardPanel[];
};

const tag = /^[a-z0-9]{1,16}$/.test(process.env.TEST_RUN_TAG ?? '') ? `_${process.env.TEST_RUN_TAG}` : '';
const db = `parley_dashboard${tag}`;
const metricsPorts = [await freePort(), await freePort()];
const limits = { LOGIN_MAX_PER_USERNAME: '4', DM_RATE_MAX: '12', ROOM_JOIN_MAX: '20' };
const app1 = await startParley(db, { METRICS_PORT: String(metricsPorts[0]), ...limits });
const app2 = await startParley(db, { METRICS_PORT: String(metricsPorts[1]), REDIS_PREFIX: app1.prefix, ...limits }, { joining: true });
const apps = [app1, app2];

// Prometheus: the two processes under the instance names the compose file gives them.
const scratch = await mkdtemp(join(tmpdir(), 'parley-prometheus-'));
const promPort = await freePort();
await writeFile(
  join(scratch, 'prometheus.yml'),
  `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: parley
    static_configs:
      - { targets: ['127.0.0.1:${metricsPorts[0]}'], labels: { instance: app1 } }
      - { targets: ['127.0.0.1:${metricsPorts[1]}'], labels: { instance: app2 } }
`,
);
const prometheus = spawn(
  '/usr/bin/prometheus',
  [
    `--config.file=${join(scratch, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(scratch, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const promBase = `http://127.0.0.1:${promPort}`;

type Person = { app: (typeof apps)[number]; username: string; token: string; socket?: Socket };
const streams: SseClient[] = [];
let stopping = false;

function call(p: Person, method: string, path: string, body?: unknown) {
  return fetch(`${p.app.base}${path}`, {
    method,
    headers: { origin: BENCH_ORIGIN, cookie: `parley_session=${p.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() }));
}

function openSse(p: Person, path: string): SseClient {
  const sse = new SseClient(`${p.app.base}${path}`, { cookie: `parley_session=${p.token}`, accept: 'text/event-stream' });
  sse.open().catch(() => {});
  streams.push(sse);
  return sse;
}

function connectDm(p: Person): Promise<void> {
  const socket = io(`${p.app.base}/dm`, {
    transports: ['websocket'],
    extraHeaders: { cookie: `parley_session=${p.token}`, origin: BENCH_ORIGIN },
    reconnection: false,
    forceNew: true,
  });
  p.socket = socket;
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const run = Math.random().toString(36).slice(2, 6);

/** About a minute of load whose mix changes every few seconds, so that every panel moves. */
async function load() {
  const people: Person[] = [];
  for (let i = 0; i < 16; i++) {
    const app = apps[i % 2]!;
    const username = `d${run}${i}`;
    people.push({ app, username, token: await signupToken(app.base, username) });
    await sleep(150);
  }
  // Rooms of four, each member with its event stream and in the call; and a lobby stream each.
  const seats: Array<{ p: Person; room: string; peer: string }> = [];
  for (let r = 0; r < 4; r++) {
    const room = `dash-${run}-${r}`;
    await call(people[r * 4]!, 'POST', '/api/rooms', { name: room });
    for (const p of people.slice(r * 4, r * 4 + 4)) {
      const { body } = await call(p, 'POST', `/api/rooms/${room}/join`, {});
      seats.push({ p, room, peer: body.peerId });
      openSse(p, `/api/rooms/${room}/events?peer=${body.peerId}`);
      await call(p, 'POST', `/api/rooms/${room}/signal`, { from: body.peerId, type: 'state', data: { inCall: true, muted: false } });
      await sleep(300);
    }
    // A room list open on each process.
    openSse(people[r * 4 + (r % 2)]!, '/api/lobby/events');
  }
  for (const p of people) {
    await connectDm(p);
    await sleep(100);
  }

  const started = Date.now();
  while (!stopping && Date.now() - started < LOAD_SECONDS * 1000) {
    const t = (Date.now() - started) / 1000;
    const work: Array<Promise<unknown>> = [];
    // Signalling: a renegotiation now and then, candidates all the time, more in the middle.
    const candidates = t > 20 && t < 40 ? 10 : 3;
    for (let i = 0; i < candidates; i++) {
      const from = pick(seats);
      const to = pick(seats.filter((s) => s.room === from.room && s !== from));
      work.push(call(from.p, 'POST', `/api/rooms/${from.room}/signal`, { from: from.peer, to: to.peer, type: 'candidate', data: { candidate: `c${i}` } }));
      if (i === 0 && Math.random() < 0.3) {
        work.push(call(from.p, 'POST', `/api/rooms/${from.room}/signal`, { from: from.peer, to: to.peer, type: 'offer', data: { type: 'offer', sdp: 'v=0' } }));
        work.push(call(to.p, 'POST', `/api/rooms/${to.room}/signal`, { from: to.peer, to: from.peer, type: 'answer', data: { type: 'answer', sdp: 'v=0' } }));
      }
    }
    // Reads of rooms and the room list; a path nobody serves.
    for (let i = 0; i < 4; i++) work.push(call(pick(people), 'GET', `/api/rooms/${pick(seats).room}`));
    work.push(call(pick(people), 'GET', '/api/rooms'));
    if (Math.random() < 0.2) work.push(call(pick(people), 'GET', '/api/no-such-route'));
    // Direct messages: a trickle, and bursts (many at once share a group commit; some are refused).
    const dms = t > 12 && t < 30 ? 14 : 2;
    for (let i = 0; i < dms; i++) {
      const from = pick(people);
      const to = pick(people.filter((q) => q !== from));
      work.push(
        from
          .socket!.timeout(5000)
          .emitWithAck('dm:send', { to: to.username, body: `hello ${i}`, clientId: crypto.randomUUID() })
          .catch(() => {}),
      );
    }
    // Somebody guessing a password, refused after a few tries.
    if (t > 38 && t < 50)
      work.push(
        fetch(`${app1.base}/api/auth/login`, {
          method: 'POST',
          headers: { origin: BENCH_ORIGIN, 'content-type': 'application/json' },
          body: JSON.stringify({ username: people[0]!.username, password: 'not the password' }),
        }),
      );
    // The last stretch: people leave, streams and sockets close.
    if (t > 52 && streams.length > 0 && Math.random() < 0.35) streams.pop()!.close();
    if (t > 55) {
      const connected = people.filter((p) => p.socket?.connected);
      if (connected.length > 4 && Math.random() < 0.35) pick(connected).socket!.disconnect();
    }
    await Promise.all(work);
    await sleep(250);
  }
  for (const s of streams.splice(0)) s.close();
  for (const p of people) p.socket?.disconnect();
}

type PromResult = { metric: Record<string, string>; values: Array<[number, string]> };

async function queryRange(expr: string, start: number, end: number): Promise<PromResult[]> {
  const query = expr.replaceAll('$__rate_interval', '10s').replaceAll('$instance', '.*');
  const url = `${promBase}/api/v1/query_range?${new URLSearchParams({ query, start: String(start), end: String(end), step: '2' })}`;
  const res = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: PromResult[] } };
  if (res.status !== 'success') throw new Error(`${query}: ${res.error}`);
  return res.data.result;
}

async function drawPanels(start: number, end: number): Promise<DrawnPanel[]> {
  const drawn: DrawnPanel[] = [];
  for (const panel of dashboard.panels) {
    const series: Series[] = [];
    for (const target of panel.targets ?? []) {
      for (const r of await queryRange(target.expr, start, end)) {
        const name = (target.legendFormat ?? '{{__name__}}').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => r.metric[label] ?? '');
        const points = r.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v));
        if (points.length > 0) series.push({ name, points });
      }
    }
    series.sort((a, b) => a.name.localeCompare(b.name));
    drawn.push({ panel, series });
  }
  return drawn;
}

async function screenshot(html: string) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    await page.setContent(html);
    await page.screenshot({ path: OUT, fullPage: true });
  } finally {
    await browser.close();
  }
}

try {
  await waitForHttp(`${promBase}/-/ready`);
  const start = Date.now() / 1000 - 2;
  console.log(`driving ${LOAD_SECONDS} s of load on ${apps.map((a) => a.base).join(' and ')}; Prometheus on ${promBase}`);
  await load();
  // Two more scrapes after the last request, so the end of the load is in the data.
  await sleep(3000);
  const end = Date.now() / 1000;
  const drawn = await drawPanels(start, end);
  const subtitle = `Every panel of deploy/grafana/parley-dashboard.json, drawn from a real Prometheus scraping two Parley processes (app1, app2) under ${LOAD_SECONDS} s of scripted load, by scripts/dashboard-picture.ts; not a Grafana screenshot.`;
  await screenshot(dashboardHtml(dashboard.title, subtitle, { start, end }, drawn));
  console.log(OUT);
} finally {
  stopping = true;
  prometheus.kill('SIGTERM');
  // The second process first: stopping the first drops the scratch database.
  await app2.stop();
  await app1.stop();
  await rm(scratch, { recursive: true, force: true });
}
