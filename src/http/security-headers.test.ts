import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, uniqueRoomName } from '../test/rooms-helpers.js';

/**
 * Every answer carries the app's security headers, including those written
 * outside Hono's middleware: event streams, Socket.IO's engine, and answers
 * to requests too malformed to reach the app.
 */

let server: TestServer;
let security: Record<string, string>;

// Headers of an ordinary answer that are about its content or its connection, not security.
const NOT_SECURITY = new Set([
  'content-type',
  'content-length',
  'cache-control',
  'date',
  'connection',
  'keep-alive',
  'vary',
  'transfer-encoding',
  // The request's id (src/logging/request-context.ts): another value on every answer.
  'x-request-id',
]);

beforeAll(async () => {
  server = await startTestServer();
  // The expected set is what an ordinary API answer carries.
  const ordinary = await server.client().get('/api/health');
  security = Object.fromEntries([...ordinary.headers].filter(([name]) => !NOT_SECURITY.has(name)));
});
afterAll(async () => {
  await server?.stop();
});

type Head = Record<string, string | string[] | undefined>;

function expectSecurityHeaders(headers: Head) {
  const missing = Object.entries(security).filter(([name, value]) => headers[name.toLowerCase()] !== value);
  expect(missing.map(([name]) => name)).toEqual([]);
}

/** Sends raw bytes and returns the head of the answer, header names lower-cased. */
async function rawHead(request: string): Promise<{ status: number; headers: Head }> {
  const response = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(Buffer.from(request, 'latin1'));
  });
  const [statusLine = '', ...lines] = response.slice(0, response.indexOf('\r\n\r\n')).split('\r\n');
  const headers: Head = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

function head(url: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'HEAD', headers, agent: false }, (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('security headers', () => {
  it('are the ones the app declares', async () => {
    const declared = Object.fromEntries(Object.entries(server.parley.securityHeaders).map(([k, v]) => [k.toLowerCase(), v]));
    expect(security).toEqual(declared);
  });

  it('are on the room event stream, and HEAD on it sends exactly the head GET sends', async () => {
    const p = await person(server, 'sh');
    const room = uniqueRoomName('sh');
    await createRoom(p, room);
    const peerId = await join(p, room);
    const stream = await openStream(p, room, peerId);
    try {
      expect(stream.status).toBe(200);
      expectSecurityHeaders(stream.responseHeaders);
      const cookie = [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await head(`${server.baseUrl}/api/rooms/${room}/events?peer=${peerId}`, { cookie });
      expect(res.statusCode).toBe(200);
      // Framing differs by nature: a stream is chunked, an empty answer is not; the date moves on;
      // each request has an id of its own.
      const framing = new Set(['date', 'transfer-encoding', 'content-length', 'keep-alive', 'x-request-id']);
      const comparable = (h: Head) => Object.fromEntries(Object.entries(h).filter(([k]) => !framing.has(k)));
      expect(comparable(res.headers)).toEqual(comparable(stream.responseHeaders));
    } finally {
      stream.close();
    }
  });

  it('are on Socket.IO answers: the handshake, an engine error and the WebSocket upgrade', async () => {
    const handshake = await fetch(`${server.baseUrl}/socket.io/?EIO=4&transport=polling`);
    expect(handshake.status).toBe(200);
    expectSecurityHeaders(Object.fromEntries(handshake.headers));
    const sid = JSON.parse((await handshake.text()).slice(1)).sid as string;

    const refused = await fetch(`${server.baseUrl}/socket.io/?EIO=4&transport=carrier-pigeon`);
    expect(refused.status).toBe(400);
    expectSecurityHeaders(Object.fromEntries(refused.headers));

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    try {
      const upgrade = await new Promise<http.IncomingMessage>((resolve, reject) => {
        ws.once('upgrade', resolve);
        ws.once('error', reject);
      });
      expectSecurityHeaders(upgrade.headers);
    } finally {
      ws.terminate();
    }
  });

  it('are on answers to HTTP too malformed to reach the app', async () => {
    const parserError = await rawHead('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
    expect(parserError.status).toBe(400);
    expectSecurityHeaders(parserError.headers);
    const badHost = await rawHead('GET /api/health HTTP/1.1\r\nHost: \xff\r\nConnection: close\r\n\r\n');
    expect(badHost.status).toBe(400);
    expectSecurityHeaders(badHost.headers);
  });
});
