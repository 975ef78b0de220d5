import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('GET /api/ready', () => {
  it('answers 200 while the process takes work, and 503 draining from the moment a graceful stop begins, while it still serves', async () => {
    const server = await startTestServer({ SHUTDOWN_DRAIN_DELAY_MS: '1500' });
    servers.push(server);
    const before = await fetch(`${server.baseUrl}/api/ready`);
    expect(before.status).toBe(200);
    expect(before.headers.get('cache-control')).toBe('no-store');
    expect(await before.json()).toEqual({ ok: true });

    const stopped = server.stop();
    const began = Date.now();
    const during = await fetch(`${server.baseUrl}/api/ready`);
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ ok: false, error: { code: 'draining' } });
    // Liveness is another question: the process is healthy, and during the drain delay it
    // still answers everything else as usual.
    expect((await fetch(`${server.baseUrl}/api/health`)).status).toBe(200);
    const signup = await server.client().post('/api/auth/signup', { username: `ready${Date.now() % 1e9}`, password: 'password123' });
    expect(signup.status).toBe(201);

    await stopped;
    // The listener closed only after the drain delay.
    expect(Date.now() - began).toBeGreaterThanOrEqual(1400);
    await expect(fetch(`${server.baseUrl}/api/ready`)).rejects.toThrow();
  });

  it('with no drain delay, closes at once after readiness fails', async () => {
    const server = await startTestServer();
    servers.push(server);
    expect((await fetch(`${server.baseUrl}/api/ready`)).status).toBe(200);
    const began = Date.now();
    await server.stop();
    expect(Date.now() - began).toBeLessThan(1000);
  });
});
