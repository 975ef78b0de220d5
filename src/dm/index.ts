import type { RateLimiter } from '../auth/rate-limit.js';
import type { SessionDeps } from '../auth/middleware.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Presence } from '../presence/presence.js';
import { closeRedis, duplicateRedis, type KeySpace, type Redis } from '../redis/client.js';
import type { RoomState } from '../rooms/live-state.js';
import { createBlockCache } from './block-cache.js';
import { createCalls } from './calls.js';
import { blockRoutes, dmRoutes } from './routes.js';
import { createDmService } from './service.js';
import { createDmNamespace, createDmSockets, disconnectSessionSockets } from './socket.js';
import { createUserDirectory } from './user-directory.js';
import { createMessageWriter } from './writer.js';

type DirectMessagesDeps = {
  config: Pick<Config, 'origin' | 'dm' | 'calls'>;
  database: Database;
  redis: Redis;
  key: KeySpace;
  limiter: RateLimiter;
  session: SessionDeps;
  logger: Logger;
  /** Who is online: the sockets record their users; the conversation list reads it. */
  presence: Presence;
  /** Calls run in private rooms: they are created, closed and counted here. */
  rooms: RoomState;
  metrics: Pick<Metrics, 'dmWriter' | 'refused' | 'dependencyFailed'>;
};

/** Wires the direct-message capability: storage, group commit, presence, the `/dm` namespace and its REST routes. */
export function createDirectMessages(deps: DirectMessagesDeps) {
  const { config, database, redis, key, logger, presence, metrics } = deps;
  const pool = database.pool;
  const directory = createUserDirectory(pool);
  const writer = createMessageWriter(pool, { observe: metrics.dmWriter });
  const blocks = createBlockCache({ pool, redis, channel: key('dm', 'blocks') });
  // The Socket.IO adapter's Redis connections: its own pair, so room streams and DMs do not
  // share listeners. The adapter calls publish and (un)subscribe without handling failures;
  // here a failure during a Redis outage is dropped instead of becoming an unhandled
  // rejection. What is lost is a live notification, never a stored message.
  const onRedisError = () => metrics.dependencyFailed('redis');
  const adapterPub = adapterConnection(redis, 'parley-dm-pub', ['publish', 'spublish'], { onError: onRedisError });
  const adapterSub = adapterConnection(redis, 'parley-dm-sub', ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe'], {
    sharded: true,
    onError: onRedisError,
  });

  // First the namespace, which notifies; then what notifies; then the handlers, which need those.
  const namespace = createDmNamespace({
    pub: adapterPub,
    sub: adapterSub,
    adapterKey: key('sio'),
    connectTimeoutMs: config.dm.connectTimeoutMs,
  });
  const { notify } = namespace;
  const service = createDmService({
    pool,
    writer,
    directory,
    limiter: deps.limiter,
    logger,
    notify,
    blocks,
    sendLimit: { max: config.dm.rateMax, windowSeconds: 10 },
    typingLimit: { max: config.dm.typingRateMax, windowSeconds: 10 },
    readLimit: { max: config.dm.readRateMax, windowSeconds: 10 },
    onRefused: metrics.refused,
  });
  const calls = createCalls({
    redis,
    key,
    pool,
    db: database.db,
    rooms: deps.rooms,
    writer,
    directory,
    blocks,
    limiter: deps.limiter,
    notify,
    logger,
    options: config.calls,
  });
  const sockets = createDmSockets({
    namespace,
    session: deps.session,
    origin: config.origin,
    service,
    calls,
    presence,
    directory,
    // Ten times what the per-user limits let through in their 10 s window: no client that
    // keeps to them comes near, and a flood is cut off after a bounded number of events.
    socketBudget: { maxEvents: 10 * (config.dm.rateMax + config.dm.typingRateMax + config.dm.readRateMax), windowMs: 10_000 },
    onRefused: metrics.refused,
    logger,
  });
  // A reconnection to Redis may be to a Redis that restarted empty: put this process's
  // sockets back into presence. (After a mere network blip this changes nothing.)
  let seenReady = redis.status === 'ready';
  const onReady = () => {
    if (!seenReady) {
      seenReady = true;
      return;
    }
    sockets.reregister();
  };
  redis.on('ready', onReady);

  return {
    sockets,
    /** Emits a `/dm` event to user or session rooms, on every process. */
    notify,
    calls,
    writer,
    directory,
    blocks,
    routes: dmRoutes({ pool, presence, directory, blocks }),
    blockRoutes: blockRoutes({ pool, directory, blocks }),
    async close() {
      redis.off('ready', onReady);
      calls.close();
      await sockets.close();
      await writer.drain();
      await closeRedis(adapterPub);
      await closeRedis(adapterSub);
      await blocks.close();
    },
  };
}

export type DirectMessages = ReturnType<typeof createDirectMessages>;

function adapterConnection(redis: Redis, name: string, methods: string[], options: { sharded?: boolean; onError: () => void }): Redis {
  const connection = duplicateRedis(redis, name, { sharded: options.sharded });
  connection.on('error', options.onError);
  connection.connect().catch(() => {});
  const target = connection as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of methods) {
    const original = target[method]!.bind(connection);
    target[method] = (...args: unknown[]) => original(...args).catch(() => undefined);
  }
  return connection;
}

/**
 * Reaches the `/dm` sockets of every process from one that serves none (the admin command): the
 * same namespace and adapter as a server's, never attached to an HTTP server. The adapter
 * publishes without waiting; close() waits for what it published before closing.
 */
export function createDmRemote(redis: Redis, key: KeySpace) {
  // A short-lived command: a failed publish shows as sockets left connected, not as a metric.
  const ignore = () => {};
  const pub = adapterConnection(redis, 'parley-admin-dm-pub', ['publish', 'spublish'], { onError: ignore });
  const sub = adapterConnection(redis, 'parley-admin-dm-sub', ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe'], {
    sharded: true,
    onError: ignore,
  });
  const sent: Array<Promise<unknown>> = [];
  const target = pub as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of ['publish', 'spublish']) {
    const original = target[method]!;
    target[method] = (...args: unknown[]) => {
      const done = original(...args);
      sent.push(done);
      return done;
    };
  }
  const { io, nsp } = createDmNamespace({ pub, sub, adapterKey: key('sio') });
  return {
    /** Ends a session's sockets wherever they are connected. */
    endSession(sessionId: string): void {
      disconnectSessionSockets(nsp, sessionId);
    },
    async close(): Promise<void> {
      await Promise.all(sent);
      // Not io.close(): it closes an engine that a server never attached does not have.
      await Promise.allSettled([io.of('/').adapter.close(), nsp.adapter.close()]);
      await closeRedis(pub);
      await closeRedis(sub);
    },
  };
}
