import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/test/free-port.js';
import { mapLimit } from '../src/test/map-limit.js';

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
    await Promise.all(opened.map((s) => new Promise<void>((resolve) => s.whenCount(1, resolve))));
    streams.push(...opened);
  }
  return streams;
}

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
      server.kill('SIGTERM');
      if (!options.joining) await admin.query(`DROP DATABASE IF EXISTS ${db}`);
      await admin.end();
    },
  };
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
