import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isDependencyDown } from './errors.js';

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
