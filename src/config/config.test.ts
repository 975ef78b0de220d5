import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, redactUrl } from './config.js';

describe('parseConfig', () => {
  it('has working defaults for a local install', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      databaseUrl: 'mysql://root@127.0.0.1:3306/parley',
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'parley:',
      port: 3000,
      host: '0.0.0.0',
      origin: 'http://localhost:3000',
      secure: false,
      trustProxyHops: 0,
      logLevel: 'info',
      sessionDays: 30,
    });
  });

  it('reads REDIS_CLUSTER_NODES as a cluster, else REDIS_URL as one server', () => {
    expect(parseConfig({}).redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(parseConfig({ REDIS_CLUSTER_NODES: '' }).redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(parseConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis-2:7001,[::1]:7002' }).redis).toEqual({
      cluster: [
        { host: '127.0.0.1', port: 7000 },
        { host: 'redis-2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
    for (const bad of ['127.0.0.1', '127.0.0.1:70000', 'a:1,,b:2', 'redis://x:1']) {
      expect(() => parseConfig({ REDIS_CLUSTER_NODES: bad })).toThrow(/REDIS_CLUSTER_NODES/);
    }
  });

  it('derives the origin from PORT when ORIGIN is unset, and treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '8080', ORIGIN: '' }).origin).toBe('http://localhost:8080');
  });

  it('serves metrics only when METRICS_PORT is set, on HOST unless METRICS_HOST says otherwise', () => {
    expect(parseConfig({}).metrics).toBeUndefined();
    expect(parseConfig({ HOST: '10.0.0.5', METRICS_PORT: '9091' }).metrics).toEqual({ port: 9091, host: '10.0.0.5' });
    expect(parseConfig({ METRICS_PORT: '9091', METRICS_HOST: '127.0.0.1' }).metrics).toEqual({ port: 9091, host: '127.0.0.1' });
    // 0 picks a free port (tests), even with PORT=0 too.
    expect(parseConfig({ PORT: '0', METRICS_PORT: '0' }).metrics?.port).toBe(0);
  });

  it('normalises ORIGIN and turns on secure cookies for https', () => {
    const c = parseConfig({ ORIGIN: 'https://talk.example.org/some/path' });
    expect(c.origin).toBe('https://talk.example.org');
    expect(c.secure).toBe(true);
  });

  it.each([
    ['true', 1],
    ['false', 0],
    ['2', 2],
  ])('reads TRUST_PROXY=%s as %i trusted hops', (value, hops) => {
    expect(parseConfig({ TRUST_PROXY: value }).trustProxyHops).toBe(hops);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'postgres://x/y' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ ORIGIN: 'localhost' }, 'ORIGIN'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ REDIS_PREFIX: 'has space' }, 'REDIS_PREFIX'],
    [{ REDIS_PREFIX: 'p{tag}:' }, 'REDIS_PREFIX'],
    [{ METRICS_PORT: 'nine' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
    [{ PORT: '3000', METRICS_PORT: '3000' }, 'METRICS_PORT'],
  ])('refuses %o, naming the variable', (env, name) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(name);
  });
});

describe('redactUrl', () => {
  it('hides passwords', () => {
    expect(redactUrl('mysql://parley:s3cret@db:3306/parley')).toBe('mysql://parley:***@db:3306/parley');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
