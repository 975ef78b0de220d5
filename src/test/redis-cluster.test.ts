import { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisCluster, type TestRedisCluster } from './redis-cluster.js';

/** The test cluster itself: six nodes, three of them masters, sharded pub/sub, and a failover after a master is killed. */
let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

it('serves every slot from three masters, carries sharded pub/sub, and promotes a replica when a master dies', async () => {
  const client = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
  try {
    const masters = new Set(await Promise.all([0, 6000, 12000].map((slot) => cluster.masterOf(slot))));
    expect(masters.size).toBe(3);
    await client.set('{t}k', 'v');
    expect(await client.get('{t}k')).toBe('v');
    // Sharded pub/sub: the message goes to the shard that owns the channel's slot, and only there.
    const subscriber = new Cluster(
      cluster.nodes.slice(0, 1).map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
      { shardedSubscribers: true },
    );
    try {
      const got = new Promise<[string, string]>((resolve) => subscriber.on('smessage', (channel: string, message: string) => resolve([channel, message])));
      await subscriber.ssubscribe('{t}ch');
      expect(await client.spublish('{t}ch', 'hello')).toBe(1);
      expect(await got).toEqual(['{t}ch', 'hello']);
    } finally {
      subscriber.disconnect();
    }
    const slot = Number(await client.cluster('KEYSLOT', '{t}k'));
    const before = await cluster.masterOf(slot);
    cluster.kill(before);
    await cluster.settled();
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await cluster.masterOf(slot).catch(() => before);
    }
    expect(after).not.toBe(before);
  } finally {
    client.disconnect();
  }
}, 60_000);
