/**
 * Parley on a Redis Cluster (a fresh six-node one, three masters and three replicas, on loopback
 * ports; src/test/redis-cluster.ts), in four parts:
 *
 *   shards     SIGNALS signals in one room through a real Parley process, with the command
 *              statistics of every master reset before and read after (INFO commandstats), and
 *              each master's client commands sorted by the keys they touch (MONITOR): the
 *              room's slot master should do all of the signals' work.
 *   listeners  three Parley processes of one deployment, one holding a stream of the room:
 *              which of them subscribed the room's sharded channel (PUBSUB SHARDNUMSUB, CLIENT
 *              LIST) and how many bytes each one's sharded subscriber received while LISTENER_SIGNALS
 *              signals went through the room.
 *   signal     the signal-latency bench (bench/signal-latency.ts), Parley on the single Redis
 *              and on the cluster, ROUNDS alternating rounds of COUNT signals each.
 *   streams    the room-streams bench (bench/streams.ts), Parley on the single Redis and on
 *              the cluster, ROOMS rooms of 2 each, STREAM_ROUNDS alternating rounds (medians).
 *
 *   npm run bench:cluster                        (all four; needs MySQL, Redis and redis-server)
 *   PARTS=shards,listeners npm run bench:cluster
 *   COUNT=1000 ROOMS=1000 npm run bench:cluster  (shorter)
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Redis as RedisNode } from 'ioredis';
import { keySpace } from '../src/redis/client.js';
import { keySlot } from '../src/redis/key-slot.js';
import { roomKeys } from '../src/rooms/room-keys.js';
import { type BenchRedis, clusterEpoch, clusterMasters, fmt, nodeClient, percentile, sleep, socketsTo, startBenchRedis, startParley } from './lib.js';
import { type Hop, openSignalRoom, parleyHop } from './signal-latency.js';
import { benchParley, type Result } from './streams.js';

const PARTS = new Set((process.env.PARTS ?? 'shards,listeners,signal,streams').split(','));
const SIGNALS = Number(process.env.SIGNALS ?? 10_000);
const LISTENER_SIGNALS = Number(process.env.LISTENER_SIGNALS ?? 1000);
const COUNT = Number(process.env.COUNT ?? 3000);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const ROOMS = Number(process.env.ROOMS ?? 5000);
const STREAM_ROUNDS = Number(process.env.STREAM_ROUNDS ?? 2);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/** Sends `n` signals one at a time, each after the previous one reached the listener. */
async function sendSignals(hop: Hop, n: number, from = 0): Promise<void> {
  const start = hop.stream.count;
  for (let i = 0; i < n; i++) {
    const arrived = new Promise<void>((resolve) => hop.stream.whenCount(start + i + 1, resolve));
    const res = await hop.post(from + i);
    if (res.status !== 202) throw new Error(`signal answered ${res.status}: ${await res.text()}`);
    await arrived;
  }
}

/** `INFO commandstats` as command → calls. */
async function commandCalls(client: RedisNode): Promise<Map<string, number>> {
  const info = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

// What the bench itself and replication send to a node; not Parley's work.
const NOT_PARLEY = new Set(['config', 'echo', 'info', 'monitor', 'replconf', 'psync', 'sync']);

/** A command's label for the per-node breakdown: what it is and which of Parley's keys it touches. */
function labelOf(args: string[], prefix: string): string {
  const cmd = args[0]!.toLowerCase();
  const isScript = cmd === 'evalsha' || cmd === 'eval';
  const key = isScript ? (Number(args[2]) > 0 ? args[3] : undefined) : args.slice(1).find((a) => a.startsWith(prefix));
  if (!key?.startsWith(prefix)) return cmd === 'cluster' || cmd === 'client' ? `${cmd} ${args[1]?.toLowerCase()}` : cmd;
  const rest = key.slice(prefix.length);
  let what: string;
  if (rest.startsWith('{room:bench}')) what = 'the room ({room:bench}…)';
  else if (rest.startsWith('fl:')) what = "a sender's signal budget (fl:signal:<user>)";
  else if (rest.startsWith('room-deadlines')) what = "members' deadlines (room-deadlines:{…})";
  // Partitions spread over the slots (src/redis/spread-tags.ts) and ids are folded together.
  else what = rest.replace(/\{([a-z]+)\d+\.\d+\}/g, '{$1…}').replace(/:\d+/g, ':<id>');
  return `${isScript ? 'script' : cmd} on ${what}`;
}

async function oneShard(redis: BenchRedis) {
  const cluster = redis.cluster!;
  console.log(`\n## Each signal touches one shard: ${SIGNALS.toLocaleString('en')} signals in one room (load average ${load()})\n`);
  // The senders' per-user signal budget is raised, so that every decision stays in the process
  // (a user past half of it waits for Redis on each signal): 10,000 signals in a few seconds
  // from 12 users would otherwise be a flood. The budget's spending still reaches Redis, in
  // one command per sender every 100 ms, on the slot of that user's budget (shown below).
  const parley = await startParley('parley_bench_shards', { ...redis.env, ROOM_SIGNAL_MAX: '1000000' });
  const admins: RedisNode[] = [];
  const monitors: RedisNode[] = [];
  try {
    const hop = await openSignalRoom(parley.base, parley.port);
    await sendSignals(hop, 300);
    const channel = roomKeys(keySpace(parley.prefix), 'bench').channel;
    const roomNode = await cluster.masterOf(keySlot(channel));
    const masters = await clusterMasters(cluster);
    // Client commands per master and label, counted between the reset and the reading.
    const labels = new Map<string, Map<string, number>>();
    for (const node of masters) {
      const admin = await nodeClient(node);
      admins.push(admin);
      const counts = new Map<string, number>();
      labels.set(node, counts);
      const monitor = await admin.monitor();
      monitors.push(monitor);
      let counting = false;
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        const cmd = args[0]?.toLowerCase();
        // MONITOR leaves out administrative commands such as CONFIG: an ECHO marks the reset.
        if (cmd === 'echo' && args[1] === 'bench-reset') counting = true;
        else if (cmd === 'info' && args[1]?.toLowerCase() === 'commandstats') counting = false;
        else if (counting && source !== 'lua' && !NOT_PARLEY.has(cmd!)) {
          const label = labelOf(args, parley.prefix);
          counts.set(label, (counts.get(label) ?? 0) + 1);
        }
      });
    }
    await sleep(200);
    await Promise.all(
      admins.map(async (a) => {
        await a.config('RESETSTAT');
        await a.echo('bench-reset');
      }),
    );
    const started = performance.now();
    await sendSignals(hop, SIGNALS, 300);
    const seconds = (performance.now() - started) / 1000;
    const stats = await Promise.all(admins.map(commandCalls));
    await sleep(200);
    hop.stream.close();

    console.log(
      `${SIGNALS.toLocaleString('en')} signals in ${fmt(seconds, 1)} s; the room's channel ${channel} is in slot ${keySlot(channel)}, served by ${roomNode}.`,
    );
    console.log("Commands each master executed meanwhile (INFO commandstats, counting those run inside scripts; without the bench's own and replication's):\n");
    console.log('| master | evalsha | eval | xadd | spublish | other | total | share |');
    console.log('|---|---|---|---|---|---|---|---|');
    const totals = stats.map((s) => [...s].filter(([c]) => !NOT_PARLEY.has(c)).reduce((sum, [, n]) => sum + n, 0));
    const all = totals.reduce((a, b) => a + b, 0);
    for (const [i, node] of masters.entries()) {
      const s = stats[i]!;
      const get = (c: string) => s.get(c) ?? 0;
      const main = get('evalsha') + get('eval') + get('xadd') + get('spublish');
      const name = node === roomNode ? `${node} (the room's)` : node;
      console.log(
        `| ${name} | ${get('evalsha')} | ${get('eval')} | ${get('xadd')} | ${get('spublish')} | ${totals[i]! - main} | ${totals[i]} | ${fmt((100 * totals[i]!) / all, 1)}% |`,
      );
    }
    const roomTotal = totals[masters.indexOf(roomNode)]!;
    const onRoomNode = (c: string) => `${stats[masters.indexOf(roomNode)]!.get(c) ?? 0} of ${stats.reduce((sum, st) => sum + (st.get(c) ?? 0), 0)}`;
    console.log(`\nXADD on the room's node: ${onRoomNode('xadd')}; SPUBLISH: ${onRoomNode('spublish')}.`);
    console.log(
      `\nShare of all commands on the room's node: ${fmt((100 * roomTotal) / all, 1)}%; the other two masters: ${all - roomTotal} commands, ${fmt((all - roomTotal) / seconds, 0)}/s.`,
    );
    console.log('\nClient commands per master (MONITOR; a script is one command, what runs inside it is not listed):\n');
    console.log('| master | command | calls |');
    console.log('|---|---|---|');
    for (const node of masters) {
      const rows = [...labels.get(node)!].sort((a, b) => b[1] - a[1]);
      for (const [label, n] of rows) console.log(`| ${node === roomNode ? `${node} (the room's)` : node} | ${label} | ${n} |`);
    }
  } finally {
    for (const m of monitors) m.disconnect();
    for (const a of admins) a.disconnect();
    await parley.stop();
  }
}

/** A room name whose sharded channel is served by `node` too, other than `avoid`. */
async function roomOnNode(redis: BenchRedis, prefix: string, node: string, avoid: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const name = `near${i}`;
    if (name !== avoid && (await redis.cluster!.masterOf(keySlot(roomKeys(keySpace(prefix), name).channel))) === node) return name;
  }
  throw new Error(`no room name found on ${node}`);
}

async function onlyListeners(redis: BenchRedis) {
  console.log(`\n## A room's events reach only the processes with a listener for it (load average ${load()})\n`);
  const db = 'parley_bench_listeners';
  const prefix = `parley_bench:${randomBytes(3).toString('hex')}:`;
  const env = { ...redis.env, REDIS_PREFIX: prefix };
  const first = await startParley(db, env);
  const processes = [first, await startParley(db, env, { joining: true }), await startParley(db, env, { joining: true })];
  const [a, b, c] = processes as [typeof first, typeof first, typeof first];
  const names = ['A', 'B', 'C'];
  const admins: RedisNode[] = [];
  try {
    const channel = roomKeys(keySpace(prefix), 'bench').channel;
    const roomNode = await redis.cluster!.masterOf(keySlot(channel));
    // A holds the room's one stream; B holds a stream of another room whose channel is on the same
    // node (so B has a sharded subscriber there, for that room only); C holds none, and is the
    // process the room's signals are posted to.
    const hop = await openSignalRoom(c.base, a.port, 'bench');
    const near = await roomOnNode(redis, prefix, roomNode, 'bench');
    const nearHop = await openSignalRoom(b.base, b.port, near);
    await sendSignals(hop, 20);
    const masters = await clusterMasters(redis.cluster!);
    for (const node of masters) admins.push(await nodeClient(node));
    const roomAdmin = admins[masters.indexOf(roomNode)]!;
    const roomPort = Number(roomNode.split(':')[1]);

    // Which processes subscribe to what on the room's node: its CLIENT LIST, joined with `ss` by port.
    const clients = ((await roomAdmin.client('LIST')) as string).split('\n').filter((l) => / name=ioredis-cluster\(ssubscriber\):parley-room-sub /.test(l));
    const subscribers = clients.map((l) => ({ port: Number(/ addr=[^ ]*:(\d+) /.exec(l)![1]), ssub: Number(/ ssub=(\d+) /.exec(l)?.[1] ?? 0) }));
    const before = await socketsTo(roomPort);
    await sendSignals(hop, LISTENER_SIGNALS, 20);
    await sleep(200);
    const after = await socketsTo(roomPort);

    const numsub = async (admin: RedisNode, ch: string) => ((await admin.call('PUBSUB', 'SHARDNUMSUB', ch)) as [string, number])[1];
    console.log(`Room channel ${channel} (slot ${keySlot(channel)}, on ${roomNode}); room "${near}" is on the same node.`);
    console.log(
      `PUBSUB SHARDNUMSUB of the room's channel on each master: ${(await Promise.all(masters.map(async (n, i) => `${n} ${await numsub(admins[i]!, channel)}`))).join(', ')}`,
    );
    console.log(`… and of "${near}"'s channel on the room's node: ${await numsub(roomAdmin, roomKeys(keySpace(prefix), near).channel)}`);
    console.log(`\n${LISTENER_SIGNALS} signals posted to C, all of them delivered to the stream on A (${hop.stream.count - 20} seen there).\n`);
    console.log(
      "| process | streams held | sharded-subscriber connections to the room's node | sharded channels they hold there | bytes they received during the signals |",
    );
    console.log('|---|---|---|---|---|');
    for (const [i, p] of processes.entries()) {
      const mine = after.filter((s) => s.pid === p.server.pid);
      const subs = subscribers.filter((s) => mine.some((m) => m.localPort === s.port));
      const received = subs.reduce((sum, s) => {
        const then = before.find((x) => x.localPort === s.port)?.bytesReceived ?? 0;
        return sum + (mine.find((m) => m.localPort === s.port)!.bytesReceived - then);
      }, 0);
      const holds = [i === 0 ? 'bench' : '', i === 1 ? near : ''].filter(Boolean).join(', ') || 'none';
      console.log(`| ${names[i]} (pid ${p.server.pid}) | ${holds} | ${subs.length} | ${subs.reduce((sum, s) => sum + s.ssub, 0)} | ${received} |`);
    }
    hop.stream.close();
    nearHop.stream.close();
  } finally {
    for (const admin of admins) admin.disconnect();
    await c.stop();
    await b.stop();
    await a.stop();
  }
}

function printLatency(single: number[], onCluster: number[]) {
  console.log('| ms | single Redis | Redis Cluster | cluster / single |');
  console.log('|---|---|---|---|');
  for (const p of [50, 90, 99]) {
    const s = percentile(single, p);
    const k = percentile(onCluster, p);
    console.log(`| p${p} | ${fmt(s, 3)} | ${fmt(k, 3)} | ${fmt(k / s)}× |`);
  }
}

async function signalSideBySide(single: BenchRedis, onCluster: BenchRedis) {
  console.log(`\n## Signal latency, single Redis vs Redis Cluster: ${ROUNDS} rounds of ${COUNT} signals each (load average ${load()})\n`);
  const times: Record<BenchRedis['kind'], number[]> = { single: [], cluster: [] };
  const rounds: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating which goes first, so a machine getting busier or quieter favours neither.
    for (const redis of r % 2 === 0 ? [single, onCluster] : [onCluster, single]) {
      const t = await parleyHop(redis.env, COUNT);
      times[redis.kind].push(...t);
      rounds.push(`${redis.kind} p50 ${fmt(percentile(t, 50), 3)} p99 ${fmt(percentile(t, 99), 3)}`);
    }
  }
  for (const t of Object.values(times)) t.sort((x, y) => x - y);
  printLatency(times.single, times.cluster);
  console.log(`\nrounds in order: ${rounds.join('; ')}`);
  console.log('target: cluster within 1.2× of single Redis');
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

async function streamsSideBySide(single: BenchRedis, onCluster: BenchRedis) {
  console.log(
    `\n## Room streams, single Redis vs Redis Cluster: ${(ROOMS * 2).toLocaleString('en')} streams in ${ROOMS.toLocaleString('en')} rooms of 2, ${STREAM_ROUNDS} round(s) (load average ${load()})\n`,
  );
  const results: Record<BenchRedis['kind'], Result[]> = { single: [], cluster: [] };
  for (let r = 0; r < STREAM_ROUNDS; r++) {
    for (const redis of r % 2 === 0 ? [single, onCluster] : [onCluster, single]) {
      results[redis.kind].push(await benchParley(redis));
      await sleep(2000);
    }
  }
  const perStream = (r: Result, f: (m: Result['after']) => number) => (f(r.after) - f(r.before)) / (ROOMS * 2) / 1024;
  // The median over the rounds of each figure.
  const row = (label: string, f: (r: Result) => number) => {
    const a = median(results.single.map(f));
    const b = median(results.cluster.map(f));
    console.log(`| ${label} | ${fmt(a, 1)} | ${fmt(b, 1)} | ${fmt(b / a)}× |`);
  };
  console.log('| | single Redis | Redis Cluster | cluster / single |');
  console.log('|---|---|---|---|');
  console.log(
    `| Redis connections held by the server | ${results.single.map((r) => r.redisConnections).join(', ')} | ${results.cluster.map((r) => r.redisConnections).join(', ')} | |`,
  );
  row('RSS per stream (KiB)', (r) => perStream(r, (m) => m.rss));
  row('JS heap + external per stream, after GC (KiB)', (r) => perStream(r, (m) => m.heapUsed + m.external));
  row('fan-out: one SPUBLISH per room, until all streams have it (ms)', (r) => r.fanoutMs);
  row("end to end: one event per room through Parley's Lua emit (ms)", (r) => r.emitFanoutMs!);
  row('… of which until Redis had answered every emit (ms)', (r) => r.emitAnsweredMs!);
  // CPU seconds per process in each round: on this machine everything shares two cores.
  const cpu = (c: Record<string, number> | undefined) =>
    Object.entries(c ?? {})
      .map(([k, v]) => `${k} ${fmt(v, 2)}`)
      .join(', ');
  for (const kind of ['single', 'cluster'] as const) {
    for (const [i, r] of results[kind].entries()) {
      console.log(`CPU s, ${kind} round ${i + 1}: end to end: ${cpu(r.emitCpu)}; fan-out: ${cpu(r.fanoutCpu)}`);
    }
  }
  if (STREAM_ROUNDS > 1) {
    for (const kind of ['single', 'cluster'] as const) {
      console.log(
        `${kind}, each round: fan-out ${results[kind].map((r) => fmt(r.fanoutMs, 0)).join(', ')} ms; end to end ${results[kind].map((r) => fmt(r.emitFanoutMs!, 0)).join(', ')} ms`,
      );
    }
  }
  console.log('\ntarget: cluster within 1.2× of single Redis');
}

console.log(`Parley on a Redis Cluster; load average at start ${load()} (2-core machine)`);
const single = await startBenchRedis('single');
const onCluster = await startBenchRedis('cluster');
const parts: Array<[string, () => Promise<void>]> = [
  ['shards', () => oneShard(onCluster)],
  ['listeners', () => onlyListeners(onCluster)],
  ['signal', () => signalSideBySide(single, onCluster)],
  ['streams', () => streamsSideBySide(single, onCluster)],
];
try {
  for (const [name, part] of parts) {
    if (!PARTS.has(name)) continue;
    const before = await clusterEpoch(onCluster.cluster!);
    await part();
    // A failover in the middle (a node unanswered for longer than the node timeout) makes the cluster's figures meaningless.
    const after = await clusterEpoch(onCluster.cluster!);
    if (after !== before) console.log(`\nWARNING: the cluster changed during this part (${before} → ${after}): a failover happened.`);
  }
} finally {
  await onCluster.stop();
  await single.stop();
}
console.log(`\nload average at the end ${load()}`);
process.exit(0);
