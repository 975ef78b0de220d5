import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/**
 * A real Redis Cluster on loopback for tests: six `redis-server --cluster-enabled yes`
 * processes (three masters, three replicas) joined by `redis-cli --cluster create`, in a
 * temporary directory that goes with it. Each test file that needs one starts its own, on
 * free ports, so files running in parallel never share one; nothing touches the Redis on 6379.
 */
export type TestRedisCluster = {
  /** `host:port` of every node, masters first as created; what REDIS_CLUSTER_NODES takes. */
  nodes: string[];
  /** The node serving `slot` as master now. */
  masterOf(slot: number): Promise<string>;
  /** Kills one node with SIGKILL, as a crash would. */
  kill(node: string): void;
  /** Waits until every live node reports `cluster_state:ok` and every replica is in sync with its master. */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

const NODES = 6;

/** A port that is free, whose cluster bus port (+10000) is free too. */
async function freePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await canListen(port)) && (await canListen(port + 10000))) {
      taken.add(port);
      taken.add(port + 10000);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function cli(node: string, ...args: string[]): Promise<string> {
  const [host, port] = node.split(':') as [string, string];
  const { stdout } = await run('redis-cli', ['-h', host, '-p', port, ...args], { timeout: 10_000 });
  return stdout;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `nodeTimeoutMs` is how long a node may go unanswered before the others fail it over: short by
 * default, for tests that kill a master and wait for its replica to take over.
 */
export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < NODES; i++) ports.push(await freePort(taken));
  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  const procs = new Map<string, ChildProcess>();
  const dead = new Set<string>();

  const stop = async () => {
    for (const p of procs.values()) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all([...procs.values()].map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (const [i, port] of ports.entries()) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          // Failover within a few seconds of a master's death: tests wait for it.
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 2000),
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--logfile',
          path.join(dir, `node-${i}.log`),
        ],
        { stdio: 'ignore' },
      );
      procs.set(nodes[i]!, child);
    }
    for (const node of nodes) await until(`${node} answers`, 10_000, async () => (await cli(node, 'ping')).trim() === 'PONG');
    const [host, port] = nodes[0]!.split(':') as [string, string];
    await run('redis-cli', ['-h', host, '-p', port, '--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
  } catch (err) {
    await stop();
    throw err;
  }

  const live = () => nodes.filter((n) => !dead.has(n));
  const cluster: TestRedisCluster = {
    nodes,
    async masterOf(slot) {
      for (const node of live()) {
        const [host, port] = node.split(':') as [string, string];
        const client = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => {});
        try {
          await client.connect();
          // Each entry: [first slot, last slot, [master host, master port, id], replicas…].
          const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, string]]>;
          const hit = ranges.find(([from, to]) => slot >= from && slot <= to);
          if (hit) return `${hit[2][0]}:${hit[2][1]}`;
        } catch {
          // Ask the next node.
        } finally {
          client.disconnect();
        }
      }
      throw new Error(`no node serves slot ${slot}`);
    },
    kill(node) {
      dead.add(node);
      procs.get(node)?.kill('SIGKILL');
    },
    async settled(timeoutMs = 30_000) {
      await until('the cluster settles', timeoutMs, async () => {
        for (const node of live()) {
          const info = await cli(node, 'cluster', 'info');
          if (!info.includes('cluster_state:ok')) return false;
          // A replica that never synced with its master cannot be promoted when that master dies.
          const replication = await cli(node, 'info', 'replication');
          if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
        }
        return true;
      });
    },
    stop,
  };
  try {
    await cluster.settled();
  } catch (err) {
    await stop();
    throw err;
  }
  return cluster;
}
