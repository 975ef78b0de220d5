import { Server as NetServer } from 'node:net';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connected, dmSocket, emitAck } from '../test/dm-helpers.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { scrape, sumOf, type Sample } from '../test/prometheus.js';
import { person, roomWithTwoStreams, signal, uniqueRoomName } from '../test/rooms-helpers.js';
import { SseClient } from '../test/sse-client.js';
import { waitFor } from '../test/wait.js';

/**
 * A real server with METRICS_PORT=0: real requests, streams, signals, DMs and refusals, then
 * what its /metrics port reports, compared with a scrape taken before (the counters are the
 * process's, and this file's tests share one server).
 */

let server: TestServer;
let port: number;
const streams: SseClient[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({ METRICS_PORT: '0', LOGIN_MAX_PER_USERNAME: '2', ROOM_JOIN_MAX: '3', DM_RATE_MAX: '1000' });
  port = server.metricsPort!;
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await server?.stop();
});

/** What moved between two scrapes, for one metric and label set. */
const moved = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) =>
  sumOf(after, name, labels) - sumOf(before, name, labels);

const cookieOf = (client: { cookies: Map<string, string> }) => [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

describe('the metrics endpoint', () => {
  it('is served on METRICS_PORT only, answers GET /metrics and nothing else', async () => {
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(server.port);
    const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    const text = await ok.text();
    expect(text).toContain('# TYPE parley_http_requests_total counter');
    // prom-client's default metrics, unprefixed.
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');

    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/api/health'],
      ['GET', '/metrics/extra'],
      ['GET', '/socket.io/?EIO=4&transport=polling'],
      ['POST', '/metrics'],
      ['HEAD', '/metrics'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      if (method !== 'HEAD') expect(await res.text()).not.toContain('parley_');
    }
    // The public port knows nothing of /metrics.
    const pub = await server.client().get('/metrics');
    expect(pub.status).toBe(404);
    expect(pub.text).not.toContain('parley_');
  });

  it('counts requests under their route pattern, never the raw path', async () => {
    const before = await scrape(port);
    const ann = await person(server, 'ann');
    const room = uniqueRoomName('metrics');
    expect((await ann.client.get(`/api/rooms/${room}`)).status).toBe(404);
    expect((await ann.client.get('/api/no-such-thing')).status).toBe(404);
    const after = await scrape(port);

    expect(moved(before, after, 'parley_http_requests_total', { method: 'POST', route: '/api/auth/signup', status: '201' })).toBe(1);
    expect(moved(before, after, 'parley_http_requests_total', { method: 'GET', route: '/api/rooms/:name', status: '404' })).toBe(1);
    expect(moved(before, after, 'parley_http_requests_total', { method: 'GET', route: 'other', status: '404' })).toBe(1);
    expect(moved(before, after, 'parley_http_request_duration_seconds_count', { method: 'POST', route: '/api/auth/signup', status: '201' })).toBe(1);
    const signup = { method: 'POST', route: '/api/auth/signup', status: '201' };
    expect(moved(before, after, 'parley_http_request_duration_seconds_bucket', { ...signup, le: '+Inf' })).toBe(1);
    // A signup hashes a password: tens of milliseconds, never under a millisecond.
    expect(moved(before, after, 'parley_http_request_duration_seconds_bucket', { ...signup, le: '0.001' })).toBe(0);
    expect(moved(before, after, 'parley_http_request_duration_seconds_sum', signup)).toBeGreaterThan(0.001);
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes(room)))).toBe(false);
  });
});

describe('rooms', () => {
  it('counts room and lobby streams while open, and signals by type', async () => {
    const before = await scrape(port);
    const { ann, bob, room, annPeer, bobPeer, annStream, bobStream } = await roomWithTwoStreams(server, server, 'metrics');
    streams.push(annStream, bobStream);
    const lobby = new SseClient(`${server.baseUrl}/api/lobby/events`, { cookie: cookieOf(ann.client), accept: 'text/event-stream' });
    streams.push(lobby);
    expect(await lobby.open()).toBe(200);

    const open = await scrape(port);
    expect(moved(before, open, 'parley_event_streams_open', { kind: 'room' })).toBe(2);
    expect(moved(before, open, 'parley_event_streams_open', { kind: 'lobby' })).toBe(1);
    // A stream counts when it opens, while it is still open.
    expect(moved(before, open, 'parley_http_requests_total', { method: 'GET', route: '/api/rooms/:name/events', status: '200' })).toBe(2);
    expect(moved(before, open, 'parley_http_requests_total', { method: 'GET', route: '/api/lobby/events', status: '200' })).toBe(1);

    for (const [who, peer] of [
      [ann, annPeer],
      [bob, bobPeer],
    ] as const) {
      expect((await signal(who, room, { from: peer, type: 'state', data: { inCall: true, muted: false } })).status).toBe(202);
    }
    expect((await signal(bob, room, { from: bobPeer, to: annPeer, type: 'offer', data: { type: 'offer', sdp: 'v=0' } })).status).toBe(202);
    for (const c of ['c1', 'c2', 'c3']) {
      expect((await signal(ann, room, { from: annPeer, to: bobPeer, type: 'candidate', data: { candidate: c } })).status).toBe(202);
    }
    // Refused: not counted as relayed.
    expect((await signal(ann, room, { from: annPeer, to: 'p_nobody_here_0000000', type: 'candidate', data: {} })).status).not.toBe(202);
    const signalled = await scrape(port);
    expect(moved(before, signalled, 'parley_signals_total', { type: 'state' })).toBe(2);
    expect(moved(before, signalled, 'parley_signals_total', { type: 'offer' })).toBe(1);
    expect(moved(before, signalled, 'parley_signals_total', { type: 'candidate' })).toBe(3);
    expect(moved(before, signalled, 'parley_signals_total', { type: 'answer' })).toBe(0);

    for (const s of streams.splice(0)) s.close();
    await waitFor('the stream gauges fall back', async () => {
      const after = await scrape(port);
      return sumOf(after, 'parley_event_streams_open') === sumOf(before, 'parley_event_streams_open');
    });
  });

  it('counts refusals of a flood budget under its limit name', async () => {
    const carl = await person(server, 'carl');
    const before = await scrape(port);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await carl.client.post(`/api/rooms/${uniqueRoomName('gone')}/join`, {})).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const after = await scrape(port);
    expect(moved(before, after, 'parley_rate_limit_refusals_total', { limit: 'room_join' })).toBe(1);
    expect(moved(before, after, 'parley_http_requests_total', { route: '/api/rooms/:name/join', status: '429' })).toBe(1);
    expect(moved(before, after, 'parley_rate_limit_refusals_total')).toBe(1);
  });
});

describe('accounts', () => {
  it('counts a login refused by its rate limit', async () => {
    const dora = await person(server, 'dora');
    const before = await scrape(port);
    const guesses: number[] = [];
    for (let i = 0; i < 3; i++) guesses.push((await server.client().post('/api/auth/login', { username: dora.username, password: 'wrong guess here' })).status);
    expect(guesses).toEqual([401, 401, 429]);
    const after = await scrape(port);
    expect(moved(before, after, 'parley_rate_limit_refusals_total', { limit: 'login_user' })).toBe(1);
    expect(moved(before, after, 'parley_http_requests_total', { method: 'POST', route: '/api/auth/login', status: '429' })).toBe(1);
  });
});

describe('direct messages', () => {
  it('counts /dm sockets while connected, and each message through the group commit', async () => {
    const eve = await person(server, 'eve');
    const fred = await person(server, 'fred');
    const before = await scrape(port);
    for (const p of [eve, fred]) sockets.push(await connected(dmSocket(p)));
    const open = await scrape(port);
    expect(moved(before, open, 'parley_dm_sockets_open')).toBe(2);

    const ack = await emitAck(sockets[0]!, 'dm:send', { to: fred.username, body: 'counted?', clientId: crypto.randomUUID() });
    expect(ack.ok).toBe(true);
    const sent = await scrape(port);
    expect(moved(before, sent, 'parley_dm_commit_seconds_count')).toBe(1);
    expect(moved(before, sent, 'parley_dm_commit_batch_size_count')).toBe(1);
    expect(moved(before, sent, 'parley_dm_commit_batch_size_sum')).toBe(1);
    expect(moved(before, sent, 'parley_dm_commit_seconds_sum')).toBeGreaterThan(0);

    for (const s of sockets.splice(0)) s.disconnect();
    await waitFor('the socket gauge falls back', async () => sumOf(await scrape(port), 'parley_dm_sockets_open') === sumOf(before, 'parley_dm_sockets_open'));
  });
});

describe('without METRICS_PORT', () => {
  it('serves metrics nowhere', async () => {
    // Node's own list of what keeps the process alive: the listening servers among it.
    const listening = () =>
      (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h) => h instanceof NetServer && h.listening).length;
    const was = listening();
    const plain = await startTestServer();
    try {
      expect(plain.metricsPort).toBeUndefined();
      expect(plain.config.metrics).toBeUndefined();
      // One more listening server: the public port, and nothing else.
      expect(listening()).toBe(was + 1);
      expect((await plain.client().get('/metrics')).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});

describe('a metrics port already taken', () => {
  it('stops the start with a message naming METRICS_PORT', async () => {
    const squatter = new NetServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as { port: number }).port;
    try {
      await expect(startTestServer({ METRICS_PORT: String(taken) })).rejects.toThrow(/cannot serve metrics on 127\.0\.0\.1:\d+ .*METRICS_PORT/);
    } finally {
      squatter.close();
    }
  });
});

describe('a stopped server', () => {
  it('closes its metrics port', async () => {
    const other = await startTestServer({ METRICS_PORT: '0' });
    const metricsPort = other.metricsPort!;
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
    await other.stop();
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });
});
