import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connected, dmSocket, emitAck } from '../test/dm-helpers.js';
import { startTestServer, workerDatabaseUrl, type TestServer } from '../test/harness.js';
import { person } from '../test/rooms-helpers.js';
import { startTcpProxy } from '../test/tcp-proxy.js';

/**
 * MySQL really goes away (every connection to it cut, new ones refused) for
 * one Parley process, through a TCP forwarder in front of the real server.
 */
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let server: TestServer;

beforeAll(async () => {
  const direct = new URL(workerDatabaseUrl());
  proxy = await startTcpProxy(Number(direct.port || 3306));
  const viaProxy = new URL(direct);
  viaProxy.port = String(proxy.port);
  server = await startTestServer({ DATABASE_URL: viaProxy.toString() });
});
afterAll(async () => {
  await server?.stop();
  await proxy?.close();
});

describe('when MySQL is unavailable', () => {
  it('acks unavailable and stores nothing; after recovery the retry is stored exactly once', async () => {
    const ann = await person(server, 'ann');
    const bob = await person(server, 'bob');
    const tab = await connected(dmSocket(ann));
    const bobTab = await connected(dmSocket(bob));
    const inbox = collect(bobTab, 'dm:message');
    // Warm the name lookup so the failure below is the write itself.
    expect((await emitAck(tab, 'dm:send', { to: bob.username, body: 'before', clientId: 'before-1' })).ok).toBe(true);

    await proxy.cut();
    const clientId = 'during-outage-1';
    const started = Date.now();
    const failed = await emitAck(tab, 'dm:send', { to: bob.username, body: 'during', clientId });
    expect(failed).toEqual({ ok: false, error: { code: 'unavailable', message: expect.any(String) } });
    expect(Date.now() - started).toBeLessThan(8000);

    const health = await server.client().get('/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ mysql: 'down', redis: 'up' });
    // HTTP routes that need MySQL answer 503 with a code, not 500.
    // A valid session is never taken for a bad one because MySQL is down: 503, not 401.
    for (const res of [
      await ann.client.get(`/api/dm/${bob.username}/messages`),
      await ann.client.get('/api/dm/conversations'),
      await ann.client.post('/api/rooms', { name: `outage-${Date.now().toString(36)}` }),
      await ann.client.get('/api/rooms'),
      await ann.client.post('/api/auth/login', { username: ann.username, password: 'correct horse battery' }),
    ]) {
      expect(res.status, res.text).toBe(503);
      expect(res.body.error.code).toBe('unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Reading messages over the socket is refused the same way, and nothing crashed meanwhile.
    expect(await emitAck(tab, 'dm:read', { with: bob.username, upTo: 1 })).toMatchObject({ ok: false, error: { code: 'unavailable' } });

    await proxy.restore();
    const retried = await emitAck(tab, 'dm:send', { to: bob.username, body: 'during', clientId });
    expect(retried.ok).toBe(true);
    const again = await emitAck(tab, 'dm:send', { to: bob.username, body: 'during', clientId });
    expect(again.message.id).toBe(retried.message.id);
    expect((await inbox.next((m: { clientId: string }) => m.clientId === clientId)).id).toBe(retried.message.id);

    const [rows] = await server.database.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM direct_messages m JOIN users u ON u.id = m.sender_id WHERE u.username = ? AND m.client_id = ?',
      [ann.username, clientId],
    );
    expect(rows[0]!.n).toBe(1);
    expect((await server.client().get('/api/health')).status).toBe(200);
    // No connections leaked: the pool is within its limit after the outage.
    const internals = server.database.pool.pool as unknown as { _allConnections: { length: number } };
    expect(internals._allConnections.length).toBeLessThanOrEqual(10);
    tab.disconnect();
    bobTab.disconnect();
  });
});
