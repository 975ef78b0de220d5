import { request, type OutgoingHttpHeaders } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, uniqueUsername, TEST_ORIGIN, type TestServer } from '../test/harness.js';
import { createErrorHandler } from './errors.js';
import { csrf } from './middleware/csrf.js';
import { judgeOrigin, serializeOrigin } from './origin.js';
import { createLogger } from '../logging/logger.js';

describe('serializeOrigin', () => {
  it('lower-cases scheme and host, drops the default port and a trailing slash', () => {
    expect(serializeOrigin('http://LOCALHOST:3000')).toBe('http://localhost:3000');
    expect(serializeOrigin('HTTP://Localhost:3000/')).toBe('http://localhost:3000');
    expect(serializeOrigin('https://parley.example:443')).toBe('https://parley.example');
    expect(serializeOrigin('http://parley.example:80/')).toBe('http://parley.example');
    expect(serializeOrigin('http://parley.example:443')).toBe('http://parley.example:443');
    expect(serializeOrigin('http://[::1]:3000')).toBe('http://[::1]:3000');
  });

  it('is undefined for what is not an http(s) origin', () => {
    for (const value of [
      'null',
      '',
      'parley.example',
      'file:///x',
      'ws://parley.example',
      'http://a@parley.example',
      'http://parley.example/x',
      'http://parley.example/?',
      'http://parley.example#x',
    ]) {
      expect([value, serializeOrigin(value)]).toEqual([value, undefined]);
    }
  });
});

describe('judgeOrigin', () => {
  const own = 'http://localhost:3000';
  it('accepts the same origin however it is spelled', () => {
    for (const o of ['http://localhost:3000', 'http://LOCALHOST:3000', 'http://localhost:3000/']) expect(judgeOrigin(o, undefined, own)).toBe('same');
    expect(judgeOrigin('https://parley.example', undefined, 'https://parley.example:443/')).toBe('same');
  });
  it('refuses other origins, a missing one and "null", unless the browser says same-origin', () => {
    for (const o of ['http://localhost:3001', 'https://localhost:3000', 'http://evil.example', 'null', undefined])
      expect(judgeOrigin(o, undefined, own)).toBe('foreign');
    expect(judgeOrigin(undefined, 'same-origin', own)).toBe('same');
    expect(judgeOrigin('http://evil.example', 'cross-site', own)).toBe('foreign');
  });
  it('tells several Origin headers (joined by Node with ", ") apart from a foreign one', () => {
    expect(judgeOrigin(`${own}, ${own}`, undefined, own)).toBe('duplicate');
    expect(judgeOrigin(`${own}, http://evil.example`, 'same-origin', own)).toBe('duplicate');
  });
});

describe('the CSRF middleware', () => {
  const app = new Hono();
  app.onError(createErrorHandler(createLogger('silent')));
  app.use(csrf({ origin: 'http://localhost:3000' }));
  app.post('/x', (c) => c.body(null, 204));
  const post = (headers: Record<string, string>) => app.request('/x', { method: 'POST', headers });

  it('passes the configured origin in any spelling', async () => {
    expect((await post({ origin: 'http://LOCALHOST:3000' })).status).toBe(204);
    expect((await post({ origin: 'http://localhost:3000/' })).status).toBe(204);
  });
  it('answers 403 forbidden_origin to a foreign origin and 400 duplicate_origin to two', async () => {
    const foreign = await post({ origin: 'http://localhost:3001' });
    expect([foreign.status, ((await foreign.json()) as any).error.code]).toEqual([403, 'forbidden_origin']);
    const two = await post({ origin: 'http://localhost:3000, http://localhost:3000' });
    const body = (await two.json()) as any;
    expect([two.status, body.error.code]).toEqual([400, 'duplicate_origin']);
    expect(body.error.message).toMatch(/more than one Origin/);
  });
});

describe('Origin on the real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A POST with the given Origin header lines, exactly as sent (fetch would merge them). */
  function rawPost(origins: string[]): Promise<{ status: number; body: any }> {
    const body = JSON.stringify({ username: uniqueUsername('orig'), password: 'password123' });
    const headers: OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (origins.length > 0) (headers as Record<string, string[] | string | number>).origin = origins;
    return new Promise((resolve, reject) => {
      const req = request(`${server.baseUrl}/api/auth/signup`, { method: 'POST', headers });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('takes the origin in another case or with a trailing slash, and answers two Origin headers clearly', async () => {
    expect((await rawPost([TEST_ORIGIN.toUpperCase()])).status).toBe(201);
    expect((await rawPost([`${TEST_ORIGIN}/`])).status).toBe(201);
    const two = await rawPost([TEST_ORIGIN, TEST_ORIGIN]);
    expect([two.status, two.body.error.code]).toEqual([400, 'duplicate_origin']);
  });
});
