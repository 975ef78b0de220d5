import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { SIGNAL_TYPES, type SignalType } from '../rooms/protocol.js';
import { limitLabel } from './limits.js';
import { createRequestMetrics } from './request-metrics.js';

/**
 * What one Parley process counts for Prometheus, in a registry of its own: tests run
 * several apps in one process, and prom-client's global registry would refuse the second
 * app's metrics (same names). The modules that count are handed the narrow part they use
 * (a callback, or an object of two), never the registry.
 *
 * The hot paths stay cheap: requests are counted by hand (request-metrics.ts), and each
 * signal type's counter child is made once and kept.
 */

/** Gauges read when Prometheus scrapes, from what the process holds anyway. */
type Sources = { roomStreams(): number; lobbyStreams(): number; dmSockets(): number };

type Child = { inc(): void };

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  const registers = [registry];

  const http = createRequestMetrics(registry, LATENCY_BUCKETS);

  let sources: Sources | undefined;
  new Gauge({
    name: 'parley_event_streams_open',
    help: 'Event streams this process holds open: room streams (kind="room") and lobby streams (kind="lobby").',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.set({ kind: 'room' }, sources?.roomStreams() ?? 0);
      this.set({ kind: 'lobby' }, sources?.lobbyStreams() ?? 0);
    },
  });
  new Gauge({
    name: 'parley_dm_sockets_open',
    help: 'Sockets connected to the /dm namespace on this process.',
    registers,
    collect() {
      this.set(sources?.dmSockets() ?? 0);
    },
  });

  const signals = new Counter({
    name: 'parley_signals_total',
    help: 'Room signals accepted and relayed (202), by type.',
    labelNames: ['type'] as const,
    registers,
  });
  const signalByType = new Map<SignalType, Child>(SIGNAL_TYPES.map((t) => [t, signals.labels(t)]));

  const commitSeconds = new Histogram({
    name: 'parley_dm_commit_seconds',
    help: 'Time from a direct message entering the group-commit writer to the commit of its batch.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const batchSize = new Histogram({
    name: 'parley_dm_commit_batch_size',
    help: 'Messages per group commit of the direct-message writer.',
    buckets: BATCH_BUCKETS,
    registers,
  });

  const refusals = new Counter({
    name: 'parley_rate_limit_refusals_total',
    help: 'Requests and socket events refused by a rate limit or flood budget, by limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const mysqlErrors = new Counter({
    name: 'parley_mysql_errors_total',
    help: 'MySQL failures: requests answered 500/503 because of MySQL, and failed group commits of direct messages.',
    registers,
  });
  const redisErrors = new Counter({
    name: 'parley_redis_errors_total',
    help: 'Redis failures: error events of the Redis connections, and requests answered 500/503 because of Redis.',
    registers,
  });
  // One failure can reach two counting points (a failed commit, then the request that waited
  // for it): each error object counts once.
  const counted = new WeakSet<object>();
  const once = (err: unknown) => {
    if (typeof err !== 'object' || err === null) return true;
    if (counted.has(err)) return false;
    counted.add(err);
    return true;
  };

  // prom-client's default metrics start an event-loop monitor and a GC observer that nothing
  // stops: one set for the process that serves /metrics, none for apps that never will.
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });

  return {
    registry,
    http,
    /** A signal of `type` was relayed. */
    signalRelayed(type: SignalType): void {
      signalByType.get(type)?.inc();
    },
    /** A refusal by the limit named `name` (a limiter key such as `login:ip:…`, or a fixed name). */
    refused(name: string): void {
      refusals.inc({ limit: limitLabel(name) });
    },
    dmWriter: {
      committed(size: number): void {
        batchSize.observe(size);
      },
      waited(seconds: number): void {
        commitSeconds.observe(seconds);
      },
      failed(err: unknown): void {
        if (once(err)) mysqlErrors.inc();
      },
    },
    dependencyFailed(which: 'mysql' | 'redis', err?: unknown): void {
      if (err !== undefined && !once(err)) return;
      (which === 'mysql' ? mysqlErrors : redisErrors).inc();
    },
    /** Where the gauges read their values (the app's hub, lobby and /dm sockets). */
    watch(s: Sources): void {
      sources = s;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
