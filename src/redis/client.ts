import { Redis } from 'ioredis';

export type { Redis };

/**
 * A Redis connection that never queues commands while disconnected: a
 * request that needs Redis during an outage fails at once (and the caller
 * answers 503) instead of hanging until Redis returns. It keeps reconnecting
 * in the background with a capped back-off.
 */
export function createRedis(url: string, name = 'parley'): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Commands issued in the same tick go out in one write: under load, far fewer syscalls.
    enableAutoPipelining: true,
    connectTimeout: 3000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Without a listener ioredis prints every reconnect failure as "Unhandled error event".
  // Owners attach their own logging listener; this one only keeps the noise out.
  redis.on('error', () => {});
  return redis;
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
