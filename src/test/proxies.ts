import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

/**
 * The reverse proxies operators put in front of Parley, run from Debian's packages with the
 * project's own configuration (deploy/), on loopback, in front of the given Parley ports.
 */
export type RunningProxy = {
  name: 'caddy' | 'nginx';
  origin: string;
  /** What the proxy wrote: its access log lines (and Caddy's own messages). */
  log(): string;
  close(): Promise<void>;
};

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url));

async function untilAnswers(origin: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the proxy exited (${child.exitCode}): ${output()}`);
    // Any answer will do, a 502 included: the proxy itself is up.
    const answered = await fetch(`${origin}/api/ready`).then(
      () => true,
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the proxy did not answer: ${output()}`);
}

/**
 * Stops the proxy without waiting for the clients it still holds (a test's idle connections):
 * SIGTERM is nginx's fast shutdown, which also ends its workers; Caddy's SIGTERM would wait.
 */
function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * deploy/caddy/Caddyfile as it is, with its variables: the site and the replicas. `policies`
 * replaces the load-balancing policies (for a test that needs to know where clients land).
 */
export async function startCaddy(
  backends: number[],
  options: { port?: number; policies?: { LB_POLICY?: string; DM_LB_POLICY?: string } } = {},
): Promise<RunningProxy> {
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const home = mkdtempSync(join(tmpdir(), 'parley-caddy-'));
  const child = spawn('caddy', ['run', '--config', join(deploy, 'caddy/Caddyfile'), '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_DATA_HOME: home,
      XDG_CONFIG_HOME: home,
      PARLEY_SITE: origin,
      PARLEY_UPSTREAMS: backends.map((p) => `127.0.0.1:${p}`).join(' '),
      ...Object.fromEntries(Object.entries(options.policies ?? {}).map(([k, v]) => [`PARLEY_${k}`, v])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await untilAnswers(origin, child, () => output);
  return {
    name: 'caddy',
    origin,
    log: () => output,
    close: async () => {
      await stop(child, 'SIGKILL');
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * deploy/nginx/parley.conf inside a minimal nginx.conf of the test's own; only the listening
 * address, the replicas' addresses and the access log's path are changed.
 */
export async function startNginx(backends: number[], options: { port?: number } = {}): Promise<RunningProxy> {
  if (backends.length !== 2) throw new Error('deploy/nginx/parley.conf names two replicas');
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
  // nginx's workers run as nobody, and write request bodies to these directories.
  chmodSync(dir, 0o777);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d), { mode: 0o777 });
  const accessLog = join(dir, 'access.log');
  const site = readFileSync(join(deploy, 'nginx/parley.conf'), 'utf8')
    .replaceAll('app1:3000', `127.0.0.1:${backends[0]}`)
    .replaceAll('app2:3000', `127.0.0.1:${backends[1]}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
    .replace('/var/log/nginx/access.log', accessLog);
  if (site.includes('app1:') || !site.includes(`listen 127.0.0.1:${port};`)) throw new Error('deploy/nginx/parley.conf changed shape');
  writeFileSync(join(dir, 'parley.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d === 'body' ? 'client_body' : d}_temp_path ${join(dir, d)};`),
      `  include ${join(dir, 'parley.conf')};`,
      '}',
    ].join('\n'),
  );
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch {
      return '';
    }
  };
  await untilAnswers(origin, child, () => output + read('error.log'));
  return {
    name: 'nginx',
    origin,
    log: () => read('access.log'),
    close: async () => {
      await stop(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
