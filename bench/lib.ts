import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Redis as RedisNode } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { connectRedis, createRedis, type Redis } from '../src/redis/client.js';
import { freePort } from '../src/test/free-port.js';
import { mapLimit } from '../src/test/map-limit.js';
import { startRedisCluster, type TestRedisCluster } from '../src/test/redis-cluster.js';

/** Shared plumbing for the benchmarks: child servers, memory readings, raw SSE clients, percentiles. */

const root = fileURLToPath(new URL('..', import.meta.url));

export { freePort, mapLimit };

/**
 * The V8 flags Parley runs with in production (`npm start`, the Dockerfile).
 * Every server a bench starts, Parley or baseline, gets the same ones
 * (`BENCH_NODE_FLAGS="…"` replaces them, for experiments).
 */
const SERVER_NODE_FLAGS = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : ['--max-semi-space-size=64'];

export function spawnNode(args: string[], env: Record<string, string>): ChildProcess {
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server to <dir> when it exits.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...profile, '--expose-gc', '--import', 'tsx', 'bench/gc-wrapper.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Keep draining stdout so a chatty child never blocks on a full pipe.
  child.stdout!.on('data', (d: Buffer) => {
    if (process.env.BENCH_SERVER_LOG) process.stderr.write(d);
  });
  return child;
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} did not answer`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Memory = { rss: number; heapUsed: number; external: number; arrayBuffers: number };

/** Asks a server started by spawnNode to collect garbage and report its memory. */
export async function memoryOf(child: ChildProcess): Promise<Memory> {
  return new Promise((resolve) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{"memory"'));
      if (!line) return;
      child.stdout!.off('data', onData);
      resolve(JSON.parse(line).memory);
    };
    child.stdout!.on('data', onData);
    child.kill('SIGUSR2');
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * A raw SSE client on a bare TCP socket: the cheapest way to hold thousands
 * of streams from one process. It counts occurrences of `marker` in what it
 * receives and resolves waiters when a count is reached.
 */
export class RawStream {
  readonly socket: net.Socket;
  count = 0;
  /** The first bytes received, to say what a stream that never got its marker got instead. */
  head = '';
  private tail = '';
  private onCount?: () => void;

  constructor(
    port: number,
    path: string,
    headers: Record<string, string>,
    private marker: string,
  ) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    const head = Object.entries({ host: '127.0.0.1', accept: 'text/event-stream', ...headers })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    this.socket.write(`GET ${path} HTTP/1.1\r\n${head}\r\n\r\n`);
    this.socket.on('data', (chunk: string) => this.scan(chunk));
    this.socket.on('error', () => {});
  }

  /** Starts counting a new marker from zero. */
  watch(marker: string) {
    this.marker = marker;
    this.count = 0;
    this.tail = '';
  }

  whenCount(n: number, onReached: () => void) {
    if (this.count >= n) onReached();
    else this.onCount = () => this.count >= n && onReached();
  }

  close() {
    this.socket.destroy();
  }

  private scan(chunk: string) {
    if (this.head.length < 300) this.head += chunk.slice(0, 300 - this.head.length);
    const text = this.tail + chunk;
    let at = text.indexOf(this.marker);
    while (at >= 0) {
      this.count += 1;
      at = text.indexOf(this.marker, at + this.marker.length);
    }
    this.tail = text.slice(-this.marker.length);
    this.onCount?.();
  }
}

/** Opens `paths.length` streams in batches and resolves when each has seen `marker` once. */
export async function openRawStreams(
  port: number,
  paths: string[],
  headersFor: (i: number) => Record<string, string>,
  marker: string,
  batch = 250,
): Promise<RawStream[]> {
  const streams: RawStream[] = [];
  for (let i = 0; i < paths.length; i += batch) {
    const opened = paths.slice(i, i + batch).map((p, j) => new RawStream(port, p, headersFor(i + j), marker));
    // A stream refused or cut (a busy machine can make Redis time out) fails the bench instead of hanging it.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const stuck = opened.filter((s) => s.count === 0);
        reject(new Error(`${stuck.length} streams never got "${marker}"; one got: ${JSON.stringify(stuck[0]?.head)}`));
      }, 60_000);
    });
    await Promise.race([Promise.all(opened.map((s) => new Promise<void>((resolve) => s.whenCount(1, resolve)))), stuck]).finally(() => clearTimeout(timer));
    streams.push(...opened);
  }
  return streams;
}

/** True in the file `node`/`tsx` was started with, so a bench can also be imported by another. */
export const isMain = (url: string) => process.argv[1] !== undefined && url === pathToFileURL(path.resolve(process.argv[1])).href;

export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

const BENCH_MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const BENCH_ORIGIN = 'http://bench.parley';

/**
 * Starts a real Parley process (src/main.ts) on a fresh database `db` and its
 * own Redis prefix, and waits until it answers. `stop()` ends it and drops the database.
 */
export async function startParley(
  db: string,
  env: Record<string, string> = {},
  // `joining`: a second process of the same deployment (same database; pass its REDIS_PREFIX in env).
  options: { browserOrigin?: boolean; joining?: boolean } = {},
) {
  const mysql = (await import('mysql2/promise')).default;
  const admin = await mysql.createConnection({ uri: BENCH_MYSQL_URL });
  if (!options.joining) await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  const port = await freePort();
  const dbUrl = new URL(BENCH_MYSQL_URL);
  dbUrl.pathname = `/${db}`;
  const prefix = `parley_bench:${Math.random().toString(36).slice(2, 8)}:`;
  const server = spawnNode(['src/main.ts'], {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    // A browser's pages come from the server's own address; scripted clients send BENCH_ORIGIN.
    ORIGIN: options.browserOrigin ? `http://127.0.0.1:${port}` : BENCH_ORIGIN,
    LOG_LEVEL: 'warn',
    SIGNUP_MAX_PER_IP: '100000',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/api/health`);
  return {
    server,
    port,
    base,
    prefix,
    admin,
    async stop() {
      await stopChild(server);
      if (!options.joining) await admin.query(`DROP DATABASE IF EXISTS ${db}`);
      await admin.end();
    },
  };
}

/**
 * Stops a server with SIGTERM and waits until it has exited, so that the Redis it used is never
 * stopped under it and no server outlives the bench; one still running after `graceMs` is killed.
 */
async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  if ((await Promise.race([exited, late])) === 'late') {
    process.stderr.write(`server ${child.pid} still running ${graceMs} ms after SIGTERM; killing it\n`);
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/** Signs up `username` and returns the raw session token. */
export async function signupToken(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { origin: BENCH_ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'bench-password' }),
  });
  const token = /parley_session=([a-z2-7]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!token) throw new Error(`signup ${username}: ${res.status} ${await res.text()}`);
  return token;
}

/** CPU seconds (user + system) a process has used so far, read from /proc (Linux). */
function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

/** The pid of a running program by name (e.g. mariadbd, redis-server), if there is one. */
export function pidOf(name: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) return Number(entry);
    } catch {
      // The process went away while we looked.
    }
  }
  return undefined;
}

/** The pid of the redis-server serving `node` (`host:port`) on this machine: its process title names the address. */
export function redisPidOf(node: string): number | undefined {
  const port = node.split(':')[1];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('redis-server') && new RegExp(`:${port}( |\\0|$)`).test(title)) return Number(entry);
    } catch {
      // The process went away while we looked.
    }
  }
  return undefined;
}

/**
 * CPU used by each of `pids` (and by this process) between `start()` and
 * the returned `stop()`: where the machine's cores went during a measurement.
 */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid)]));
  const self = process.cpuUsage();
  return () => {
    const used: Record<string, number> = {};
    for (const [k, pid] of Object.entries(pids)) used[k] = cpuSecondsOf(pid) - before[k]!;
    const mine = process.cpuUsage(self);
    used['load generator'] = (mine.user + mine.system) / 1e6;
    return used;
  };
}

/**
 * The Redis a bench runs Parley on: the single server at BENCH_REDIS_URL, or a fresh six-node
 * Redis Cluster on free loopback ports (src/test/redis-cluster.ts), gone again after `stop()`.
 * `env` is what a Parley process needs to use it; `connect()` opens a client of the bench's own.
 */
export type BenchRedis = {
  kind: 'single' | 'cluster';
  env: Record<string, string>;
  cluster?: TestRedisCluster;
  connect(): Promise<Redis>;
  stop(): Promise<void>;
};

/** BENCH_REDIS=cluster runs the Parley side of a bench on a Redis Cluster; anything else, on the single server. */
export const BENCH_REDIS_KIND: BenchRedis['kind'] = process.env.BENCH_REDIS === 'cluster' ? 'cluster' : 'single';

export async function startBenchRedis(kind: BenchRedis['kind']): Promise<BenchRedis> {
  if (kind === 'single') {
    return {
      kind,
      env: { REDIS_URL: BENCH_REDIS_URL },
      connect: () => connected(createRedis(BENCH_REDIS_URL, 'bench')),
      stop: async () => {},
    };
  }
  // A node timeout as long as Redis's default: on a busy 2-core machine a node can go unanswered
  // for a couple of seconds, and the tests' 2 s would then fail it over in the middle of a bench.
  const cluster = await startRedisCluster({ nodeTimeoutMs: Number(process.env.BENCH_CLUSTER_NODE_TIMEOUT_MS ?? 15_000) });
  const target = { cluster: cluster.nodes.map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })) };
  return {
    kind,
    // REDIS_CLUSTER_NODES takes precedence over REDIS_URL (src/config/config.ts).
    env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') },
    cluster,
    connect: () => connected(createRedis(target, 'bench')),
    stop: () => cluster.stop(),
  };
}

async function connected(redis: Redis): Promise<Redis> {
  await connectRedis(redis);
  return redis;
}

/** A plain connection to one node (`host:port`), for what goes to every node: INFO, CLIENT LIST, CONFIG RESETSTAT. */
export async function nodeClient(node: string): Promise<RedisNode> {
  const [host, port] = node.split(':') as [string, string];
  const client = new RedisNode({ host, port: Number(port), connectionName: 'bench-admin', lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** The masters of a cluster, `host:port`, sorted. */
export async function clusterMasters(cluster: TestRedisCluster): Promise<string[]> {
  const client = await nodeClient(cluster.nodes[0]!);
  try {
    const lines = ((await client.call('CLUSTER', 'NODES')) as string).trim().split('\n');
    return lines
      .map((l) => l.split(' '))
      .filter((f) => f[2]!.split(',').includes('master') && !f[2]!.includes('fail'))
      .map((f) => f[1]!.split('@')[0]!)
      .sort();
  } finally {
    client.disconnect();
  }
}

type Socket = { localPort: number; pid: number | undefined; bytesReceived: number };

/** This machine's established TCP connections to 127.0.0.1:`port`, with their process and bytes received (`ss`). */
export async function socketsTo(port: number): Promise<Socket[]> {
  const { stdout } = await promisify(execFile)('ss', ['-tinpH', 'state', 'established', '(', 'dport', '=', `:${port}`, ')']);
  const sockets: Socket[] = [];
  for (const line of stdout.split('\n')) {
    const head = /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:(\d+)/.exec(line);
    if (head && Number(head[2]) === port) {
      const pid = /pid=(\d+)/.exec(line)?.[1];
      sockets.push({ localPort: Number(head[1]), pid: pid ? Number(pid) : undefined, bytesReceived: 0 });
      continue;
    }
    const bytes = /bytes_received:(\d+)/.exec(line)?.[1];
    if (bytes && sockets.length > 0) sockets[sockets.length - 1]!.bytesReceived = Number(bytes);
  }
  return sockets;
}

/** How many TCP connections process `pid` holds to the Redis servers at `nodes` (`host:port`, on loopback). */
export async function redisConnectionsOf(pid: number | undefined, nodes: string[]): Promise<number> {
  let count = 0;
  for (const node of nodes) count += (await socketsTo(Number(node.split(':')[1]))).filter((s) => s.pid === pid).length;
  return count;
}

/** The cluster's current epoch and masters: when either changed between two readings, a failover happened in between. */
export async function clusterEpoch(cluster: TestRedisCluster): Promise<string> {
  const client = await nodeClient(cluster.nodes[0]!);
  try {
    const epoch = /cluster_current_epoch:(\d+)/.exec((await client.call('CLUSTER', 'INFO')) as string)?.[1];
    return `epoch ${epoch}, masters ${(await clusterMasters(cluster)).join(' ')}`;
  } finally {
    client.disconnect();
  }
}

/**
 * Two people for a browser bench: each a browser context of their own on `base`, signed up
 * through the API, and a room Ann created, not yet opened by either page.
 */
export async function twoPeopleAndARoom(browser: Browser, base: string): Promise<{ ann: Page; bob: Page; room: string }> {
  const [ann, bob] = await Promise.all(
    ['ann', 'bob'].map(async (stem) => {
      const context = await browser.newContext({ baseURL: base, permissions: ['microphone'] });
      const username = `${stem}_${Math.random().toString(36).slice(2, 8)}`;
      const res = await context.request.post('/api/auth/signup', { data: { username, password: 'bench-password' }, headers: { origin: base } });
      if (!res.ok()) throw new Error(`signup: ${res.status()}`);
      return context.newPage();
    }),
  );
  const room = `bench-${Math.random().toString(36).slice(2, 8)}`;
  const created = await ann!.context().request.post('/api/rooms', { data: { name: room }, headers: { origin: base } });
  if (!created.ok()) throw new Error(`create room: ${created.status()}`);
  return { ann: ann!, bob: bob!, room };
}
