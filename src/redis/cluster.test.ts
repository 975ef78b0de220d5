import { Redis as RedisNode } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { startRedisCluster, type TestRedisCluster } from '../test/redis-cluster.js';
import { waitFor } from '../test/wait.js';
import { closeRedis, connectRedis, createRedis, duplicateRedis, type Redis } from './client.js';

/**
 * Parley's Redis connections on a real six-node cluster (three masters, three replicas), as
 * REDIS_CLUSTER_NODES configures them: commands, sharded pub/sub on a duplicate, and a replica
 * promoted when the master of a slot is killed.
 */
let cluster: TestRedisCluster;
const open: Redis[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  for (const c of open) await closeRedis(c);
  await cluster?.stop();
});

it('connects through REDIS_CLUSTER_NODES, subscribes per shard, and follows a failover', async () => {
  const config = parseConfig({ REDIS_CLUSTER_NODES: cluster.nodes.slice(0, 2).join(',') });
  const redis = createRedis(config.redis);
  open.push(redis);
  await connectRedis(redis);
  const masters = new Set(await Promise.all([0, 6000, 12000].map((slot) => cluster.masterOf(slot))));
  expect(masters.size).toBe(3);
  await redis.set('{t}k', 'v');
  expect(await redis.get('{t}k')).toBe('v');

  // Sharded pub/sub: the message goes to the shard that owns the channel's slot.
  const subscriber = duplicateRedis(redis, 'test-sub', { sharded: true });
  open.push(subscriber);
  const messages: string[] = [];
  subscriber.on('smessage', (channel: string, message: string) => messages.push(`${channel} ${message}`));
  // Two channels subscribed in the same tick, as the /dm adapter does when it starts.
  await Promise.all([subscriber.ssubscribe('{t}ch'), subscriber.ssubscribe('{t}ch2')]);
  expect(await redis.spublish('{t}ch', 'hello')).toBe(1);
  await waitFor('the message arrives', async () => messages.includes('{t}ch hello'), 5000);

  const slot = Number(await redis.cluster('KEYSLOT', '{t}k'));
  const before = await cluster.masterOf(slot);
  // Replication is asynchronous, so a write only survives a failover once a replica has it:
  // written again on the master itself, and WAITed for.
  const [host, port] = before.split(':') as [string, string];
  const direct = new RedisNode({ host, port: Number(port), lazyConnect: true });
  try {
    await direct.connect();
    await direct.set('{t}k', 'v');
    expect(Number(await direct.call('WAIT', '1', '10000'))).toBe(1);
  } finally {
    direct.disconnect();
  }
  cluster.kill(before);
  // Until the others have marked the dead master failed (the node timeout), the cluster still
  // looks settled under the old slot map: wait for a replica to take the slot over first.
  await waitFor('a replica takes the slot over', async () => (await cluster.masterOf(slot)) !== before, 30_000);
  await cluster.settled();
  expect(await cluster.masterOf(slot)).not.toBe(before);
  // The replica had the key: the write survived the failover.
  // The connection finds the new master by itself (a refused or MOVED command refreshes its slot map).
  let value: string | null = null;
  let lastError = '';
  const deadline = Date.now() + 30_000;
  while (value === null && Date.now() < deadline) {
    value = await redis.get('{t}k').catch((err: Error) => {
      lastError = err.message;
      return null;
    });
    if (value === null) await new Promise((r) => setTimeout(r, 200));
  }
  expect({ value, lastError: value === null ? lastError : '' }).toEqual({ value: 'v', lastError: '' });
  // Both subscriptions followed the slot to the promoted replica.
  await waitFor(
    'both channels deliver again',
    async () => {
      await redis.spublish('{t}ch', 'again');
      await redis.spublish('{t}ch2', 'again');
      return messages.includes('{t}ch again') && messages.includes('{t}ch2 again');
    },
    10_000,
  );
}, 60_000);
