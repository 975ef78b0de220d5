import type { KeySpace, Redis } from '../redis/client.js';

/**
 * Who is online, read from Redis where the direct-message sockets of every
 * process record their users. A user is online while their presence key
 * exists; the key expires by itself when the process holding the sockets
 * dies, so a crash cannot leave anyone online forever.
 */
export function presenceKey(key: KeySpace, userId: number): string {
  return key('presence', 'user', userId);
}

export async function onlineUserIds(redis: Redis, key: KeySpace, userIds: number[]): Promise<Set<number>> {
  if (userIds.length === 0) return new Set();
  const pipeline = redis.pipeline();
  for (const id of userIds) pipeline.exists(presenceKey(key, id));
  const results = (await pipeline.exec()) ?? [];
  const online = new Set<number>();
  results.forEach(([err, exists], i) => {
    if (!err && exists === 1) online.add(userIds[i]!);
  });
  return online;
}
