import type { Pool } from 'mysql2/promise';
import { closeRedis, duplicateRedis, type Redis } from '../redis/client.js';
import { isBlocked } from './store.js';

/**
 * Who blocked whom, cached per process for the events that are relayed but
 * never stored (typing, read markers): these come often and must not cost a
 * MySQL query each. MySQL stays the truth, and `dm:send` still checks it in
 * the transaction that stores the message.
 *
 * A block or unblock forgets the pair here at once and, through Redis
 * pub/sub, on every other process within milliseconds. An announcement lost
 * while Redis is unreachable is covered twice: the cache is emptied when the
 * subscriber reconnects, and no entry lives longer than `ttlMs`.
 */
export type BlockCache = {
  isBlocked(blockerId: number, blockedId: number): Promise<boolean>;
  /** Call after a block or unblock has been stored. */
  changed(blockerId: number, blockedId: number): Promise<void>;
  close(): Promise<void>;
};

type BlockCacheDeps = { pool: Pool; redis: Redis; channel: string; ttlMs?: number; maxEntries?: number };

export function createBlockCache({ pool, redis, channel, ttlMs = 30_000, maxEntries = 100_000 }: BlockCacheDeps): BlockCache {
  const entries = new Map<string, { blocked: boolean; until: number }>();
  const pending = new Map<string, Promise<boolean>>();
  // Bumped by every invalidation: a lookup that started before one must not store its answer.
  let generation = 0;
  const pairKey = (blockerId: number, blockedId: number) => `${blockerId}/${blockedId}`;

  function forget(key: string) {
    generation += 1;
    entries.delete(key);
    pending.delete(key);
  }
  function forgetAll() {
    generation += 1;
    entries.clear();
    pending.clear();
  }

  const subscriber = duplicateRedis(redis, 'parley-dm-blocks');
  subscriber.on('error', () => {});
  subscriber.connect().catch(() => {});
  subscriber.subscribe(channel).catch(() => {});
  const onMessage = (from: string, message: string) => {
    if (from === channel) forget(message);
  };
  let readyBefore = false;
  const onReady = () => {
    if (readyBefore) forgetAll();
    readyBefore = true;
  };
  subscriber.on('message', onMessage);
  subscriber.on('ready', onReady);

  return {
    async isBlocked(blockerId, blockedId) {
      const key = pairKey(blockerId, blockedId);
      const now = Date.now();
      const known = entries.get(key);
      if (known && known.until > now) return known.blocked;
      let query = pending.get(key);
      if (!query) {
        const startedAt = generation;
        query = isBlocked(pool, blockerId, blockedId).then((blocked) => {
          if (startedAt === generation) {
            if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
            entries.set(key, { blocked, until: Date.now() + ttlMs });
          }
          return blocked;
        });
        const shared = query.finally(() => {
          if (pending.get(key) === shared) pending.delete(key);
        });
        pending.set(key, shared);
        query = shared;
      }
      return query;
    },
    async changed(blockerId, blockedId) {
      const key = pairKey(blockerId, blockedId);
      forget(key);
      await redis.publish(channel, key).catch(() => {});
    },
    async close() {
      subscriber.off('message', onMessage);
      subscriber.off('ready', onReady);
      await closeRedis(subscriber);
    },
  };
}
