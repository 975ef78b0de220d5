import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLog } from '../http/middleware/request-log.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { createLogger, type Logger } from './logger.js';

type Line = { msg: string; reqId?: string; path?: string };

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('request ids in log lines', () => {
  it('stamps every line a request writes, across awaits, and keeps concurrent requests apart', async () => {
    const { logger, lines } = capture();
    const app = new Hono();
    app.use(requestLog(logger, { trustProxy: true }));
    app.get('/work/:n', async (c) => {
      logger.info({ n: c.req.param('n') }, 'started');
      await new Promise((r) => setTimeout(r, Number(c.req.param('n')) * 20));
      logger.warn({ n: c.req.param('n') }, 'halfway');
      await Promise.resolve();
      return c.text('done');
    });
    const answers = await Promise.all([3, 1, 2].map((n) => app.request(`/work/${n}`, { headers: { 'X-Request-Id': `proxy-id-${n}` } })));
    expect(answers.map((a) => a.headers.get('x-request-id'))).toEqual(['proxy-id-3', 'proxy-id-1', 'proxy-id-2']);
    for (const n of [1, 2, 3]) {
      const mine = lines.filter((l) => l.reqId === `proxy-id-${n}`);
      expect(mine.map((l) => l.msg)).toEqual(['started', 'halfway', 'request']);
    }
    // Nothing written outside a request carries an id.
    logger.info('between requests');
    expect(lines.at(-1)).not.toHaveProperty('reqId');
  });

  it('makes its own id when proxies are not trusted, or the one passed in is unfit for a log', async () => {
    const { logger, lines } = capture();
    const untrusting = new Hono().use(requestLog(logger, { trustProxy: false })).get('/', (c) => c.text('ok'));
    const trusting = new Hono().use(requestLog(logger, { trustProxy: true })).get('/', (c) => c.text('ok'));
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

    const ignored = await untrusting.request('/', { headers: { 'X-Request-Id': 'chosen-by-client' } });
    expect(ignored.headers.get('x-request-id')).toMatch(uuid);
    for (const unfit of ['has spaces in it', 'x'.repeat(129), 'quote"inside', '']) {
      const res = await trusting.request('/', { headers: { 'X-Request-Id': unfit } });
      expect(res.headers.get('x-request-id')).toMatch(uuid);
    }
    const none = await trusting.request('/');
    expect(none.headers.get('x-request-id')).toMatch(uuid);
    const ids = lines.map((l) => l.reqId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the server', () => {
  let server: TestServer;
  const { logger, lines } = capture();
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '1' }, logger);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers with the proxy's X-Request-Id and logs the request under it, errors included", async () => {
    const ok = await fetch(`${server.baseUrl}/api/health`, { headers: { 'X-Request-Id': 'nginx-0123abcd' } });
    expect(ok.headers.get('x-request-id')).toBe('nginx-0123abcd');
    const refused = await fetch(`${server.baseUrl}/api/rooms`, { headers: { 'X-Request-Id': 'caddy-4567' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toBe('caddy-4567');
    expect(lines.find((l) => l.reqId === 'nginx-0123abcd')).toMatchObject({ msg: 'request', path: '/api/health' });
    expect(lines.find((l) => l.reqId === 'caddy-4567')).toMatchObject({ msg: 'request', path: '/api/rooms' });
  });
});
