import { Cluster, Redis as RedisNode } from 'ioredis';
import { keySlot } from './key-slot.js';

/** One Redis server, or a Redis Cluster (see docs/architecture.md for which keys share a slot). */
export type Redis = RedisNode | Cluster;

/** Where Redis is: REDIS_URL (one server), or REDIS_CLUSTER_NODES (any nodes of a cluster; the rest are discovered). */
export type RedisTarget = { url: string } | { cluster: Array<{ host: string; port: number }> };

const retry = (attempt: number) => Math.min(attempt * 200, 2000);

/**
 * A Redis connection that never queues commands while disconnected: a
 * request that needs Redis during an outage fails at once (and the caller
 * answers 503) instead of hanging until Redis returns. It keeps reconnecting
 * in the background with a capped back-off.
 */
export function createRedis(target: RedisTarget | string, name = 'parley'): Redis {
  const where = typeof target === 'string' ? { url: target } : target;
  const redis =
    'url' in where
      ? new RedisNode(where.url, {
          connectionName: name,
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          // Commands issued in the same tick go out in one write: under load, far fewer syscalls.
          enableAutoPipelining: true,
          connectTimeout: 3000,
          retryStrategy: retry,
        })
      : new Cluster(where.cluster, {
          lazyConnect: true,
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          clusterRetryStrategy: retry,
          // Writes and reads both go to masters: a replica may lag behind a write just made.
          scaleReads: 'master',
          redisOptions: { connectionName: name, connectTimeout: 3000, maxRetriesPerRequest: 1 },
        });
  // Without a listener ioredis prints every reconnect failure as "Unhandled error event".
  // Owners attach their own logging listener; this one only keeps the noise out.
  redis.on('error', () => {});
  return redis;
}

/**
 * Another connection to the same server or cluster, for a subscriber (which may not send other
 * commands) or the Socket.IO adapter. It queues commands while disconnected, so subscriptions
 * made before it is ready still happen. On a cluster, `sharded` makes it subscribe with
 * SSUBSCRIBE on the node that owns each channel's slot.
 */
export function duplicateRedis(redis: Redis, connectionName: string, options: { sharded?: boolean } = {}): Redis {
  const copy =
    redis instanceof Cluster
      ? redis.duplicate(undefined, {
          enableOfflineQueue: true,
          shardedSubscribers: options.sharded === true,
          // ioredis auto-pipelines SSUBSCRIBE (it exempts only the classic subscribe commands):
          // channels subscribed in the same tick then share one pipeline, and all but the first
          // bypass the sharded-subscriber bookkeeping. They work until the node holding them
          // fails over, and are then never subscribed again on the promoted replica (the /dm
          // adapter subscribes several channels at once when it starts: direct messages across
          // processes stopped for good after a failover). A subscriber gains nothing from it.
          ...(options.sharded === true ? { enableAutoPipelining: false } : {}),
          redisOptions: { ...redis.options.redisOptions, connectionName },
        })
      : redis.duplicate({ connectionName, enableOfflineQueue: true });
  copy.on('error', () => {});
  return copy;
}

/** Connects and resolves once Redis answers, or rejects with the first connection error. */
export async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  let firstError: Error | undefined;
  const remember = (err: Error) => {
    firstError ??= err;
  };
  redis.on('error', remember);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    // ioredis reports "Connection is closed."; the error event says why.
    throw firstError ?? err;
  } finally {
    redis.off('error', remember);
  }
}

/** Closes the connection, politely when possible, and never throws. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
  } catch {
    redis.disconnect();
  }
}

/** Every key and channel Parley uses starts with the configured prefix, so instances and tests can share one Redis. */
export type KeySpace = (...parts: Array<string | number>) => string;

export function keySpace(prefix: string): KeySpace {
  return (...parts) => prefix + parts.join(':');
}

/**
 * The connection that serves `key`'s slot: on a cluster, its master's; on one server, the
 * server's. For what a cluster client does not route by key itself (PUBSUB SHARDNUMSUB, INFO).
 */
export function nodeFor(redis: Redis, key: string): RedisNode {
  if (!(redis instanceof Cluster)) return redis;
  const master = slotOwner(redis, key);
  const node = redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === master);
  if (!node) throw new Error(`no master known for ${key}`);
  return node;
}

/** On a cluster, `host:port` of the master serving `key`'s slot as this connection last learnt it; on one server, undefined. */
export function slotOwner(redis: Redis, key: string): string | undefined {
  if (!(redis instanceof Cluster)) return undefined;
  return (redis as unknown as { slots: string[][] }).slots[keySlot(key)]?.[0];
}
