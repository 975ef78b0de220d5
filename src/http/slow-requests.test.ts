import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { startTestServer, type TestServer } from '../test/harness.js';

/**
 * A client that sends its request a byte at a time must be cut off when the
 * documented limit passes, not whenever Node next happens to look (every 30 s
 * by default). The limits are shortened here so that the test is quick; the
 * checking interval follows them, as it does with the defaults.
 */
const HEADERS_MS = 2000;
const REQUEST_MS = 4000;
// How late past its limit a cut may come: the checking interval (500 ms here) and scheduling.
const SLACK_MS = 1500;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS), HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS) });
});
afterAll(async () => {
  await server?.stop();
});

/** Sends `head` and then one byte of `trickle` every 200 ms; resolves with what came back and when the server closed. */
function trickle(head: string, rest: string): Promise<{ elapsedMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    let i = 0;
    const timer = setInterval(() => {
      // Never finishes the request within the test's own bound: 200 ms a byte.
      if (i < rest.length && !socket.destroyed) socket.write(rest[i++]!);
    }, 200);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the connection after ${Date.now() - started} ms`));
    }, 12_000);
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ elapsedMs: Date.now() - started, answer });
    });
    socket.write(head);
  });
}

describe('slow requests', () => {
  it('cuts a request whose headers trickle in once the headers limit passes, with 408 request_timeout', async () => {
    const { elapsedMs, answer } = await trickle('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n', `X-Slow: ${'a'.repeat(200)}\r\n\r\n`);
    console.log(`headers trickled: cut after ${elapsedMs} ms (limit ${HEADERS_MS} ms)`);
    expect(elapsedMs).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    expect(elapsedMs).toBeLessThan(HEADERS_MS + SLACK_MS);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"request_timeout"');
  });

  it('cuts a request whose body trickles in once the request limit passes', async () => {
    const body = JSON.stringify({ username: 'slowpoke', password: 'x'.repeat(200) });
    const head =
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${server.config.origin}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const { elapsedMs } = await trickle(head, body);
    console.log(`body trickled: cut after ${elapsedMs} ms (limit ${REQUEST_MS} ms)`);
    expect(elapsedMs).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(elapsedMs).toBeLessThan(REQUEST_MS + SLACK_MS);
  });

  it('keeps the documented limits by default: 15 s for headers, 30 s for the whole request', () => {
    const config = parseConfig({});
    expect(config.http).toEqual({ headersTimeoutMs: 15_000, requestTimeoutMs: 30_000 });
  });
});
