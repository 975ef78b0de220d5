import { Redis, ReplyError } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { TEST_MYSQL_ROOT, TEST_REDIS_URL } from '../test/services.js';
import { failedDependency, isDependencyDown } from './errors.js';

describe('isDependencyDown', () => {
  it('takes what a Redis Cluster answers during a failover for an outage, not a bug', () => {
    // Two auto-pipelined commands for different slots, each answered MOVED: ioredis passes the reply on.
    expect(isDependencyDown(new ReplyError('MOVED 7444 127.0.0.1:7001'))).toBe(true);
    expect(isDependencyDown(new ReplyError('CLUSTERDOWN The cluster is down'))).toBe(true);
    expect(isDependencyDown(new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'))).toBe(true);
    expect(isDependencyDown(new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'))).toBe(true);
    expect(isDependencyDown(new Error("Cluster isn't ready and enableOfflineQueue options is false"))).toBe(true);
  });

  it('leaves other errors to be bugs', () => {
    expect(isDependencyDown(new ReplyError('ERR wrong number of arguments'))).toBe(false);
    expect(isDependencyDown(new ReplyError('CROSSSLOT Keys in request do not hash to the same slot'))).toBe(false);
    expect(isDependencyDown(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('failedDependency', () => {
  it('tells MySQL errors from Redis errors, as the real clients raise them', async () => {
    const mysql = await createConnection(TEST_MYSQL_ROOT);
    const badQuery = await mysql.query('SELECT * FROM no_such_db.no_such_table').catch((e: unknown) => e);
    await mysql.end();
    expect(failedDependency(badQuery)).toBe('mysql');
    // Wrapped, as drizzle wraps the driver's error.
    expect(failedDependency(new Error('Failed query: select 1', { cause: badQuery }))).toBe('mysql');
    // Nothing listens on port 1: the driver's connection error.
    const refused = await createConnection({ host: '127.0.0.1', port: 1, user: 'root' }).catch((e: unknown) => e);
    expect(failedDependency(refused)).toBe('mysql');

    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await redis.connect();
    const unknownCommand = await redis.call('NO_SUCH_COMMAND').catch((e: unknown) => e);
    redis.disconnect();
    expect(failedDependency(unknownCommand)).toBe('redis');
    const closed = await redis.get('x').catch((e: unknown) => e);
    expect(failedDependency(closed)).toBe('redis');

    expect(failedDependency(new TypeError('x is undefined'))).toBeUndefined();
  });
});
