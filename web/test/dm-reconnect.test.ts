import mysql, { type RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { TestClient } from '../../src/test/client.js';
import { workerDatabaseUrl } from '../../src/test/harness.js';
import { openPage, signUp, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * The DM page's socket after the server disconnects it (Socket.IO's "io
 * server disconnect", after which the library never reconnects by itself):
 * the page asks whether its session is still valid, and reconnects if it is,
 * or returns to the sign-in screen if it is not. (A graceful restart closes
 * transports instead; src/resilience/rolling-restart.test.ts covers it.)
 */
const env = useBrowserAndServer();

/** Records every text of the DM page's status line, so that a brief "Reconnecting…" is not missed. */
async function recordStatus(page: UserPage): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const el = document.querySelector('.dm [role=status]');
    const log: string[] = [];
    (window as unknown as { __statusLog: string[] }).__statusLog = log;
    if (el) new MutationObserver(() => log.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
  });
  return () => page.evaluate(() => (window as unknown as { __statusLog: string[] }).__statusLog);
}

const messageBox = (page: UserPage) => page.getByRole('textbox', { name: 'Message' });

describe('the DM page after the server disconnects its socket', () => {
  it('reconnects by itself while the session is valid, saying so, and messages flow again', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await signUp(bob, 'bob');
    await ann.goto(`/dm/${bob.username}`);
    await bob.goto(`/dm/${ann.username}`);
    for (const p of [ann, bob]) await messageBox(p).waitFor();
    const shown = await recordStatus(ann);

    env.server.parley.dm.sockets.io.of('/dm').disconnectSockets(true);
    await waitFor(
      'the status line clears again',
      async () => (await shown()).includes('Reconnecting…') && (await ann.locator('.dm [role=status]').textContent()) === '',
      10_000,
    );

    await messageBox(ann).fill('still here');
    await messageBox(ann).press('Enter');
    await bob.getByRole('log', { name: 'Messages' }).getByText('still here', { exact: true }).waitFor({ timeout: 10_000 });
    await ann
      .getByRole('log', { name: 'Messages' })
      .locator('li.mine .state')
      .getByText(/Sent|Seen/)
      .waitFor({ timeout: 10_000 });
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('sends a message that was in flight again once reconnected, with its clientId, and it is stored once', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await signUp(bob, 'bob');
    const frames: string[] = [];
    ann.on('websocket', (ws) => ws.on('framesent', ({ payload }) => typeof payload === 'string' && payload.includes('"dm:send"') && frames.push(payload)));
    await ann.goto(`/dm/${bob.username}`);
    await bob.goto(`/dm/${ann.username}`);
    for (const p of [ann, bob]) await messageBox(p).waitFor();

    // The table is locked, so the message is in flight, unacked, when the socket is dropped.
    const db = await mysql.createConnection({ uri: workerDatabaseUrl() });
    try {
      await db.query('LOCK TABLES direct_messages WRITE');
      await messageBox(ann).fill('in flight');
      await messageBox(ann).press('Enter');
      await waitFor('the message leaves the page', async () => frames.length === 1, 10_000);
      env.server.parley.dm.sockets.io.of('/dm').disconnectSockets(true);
      await waitFor('the page sends it again once reconnected', async () => frames.length === 2, 10_000);
      expect(await ann.getByRole('log', { name: 'Messages' }).getByText('Not sent').count()).toBe(0);
      await db.query('UNLOCK TABLES');

      await ann
        .getByRole('log', { name: 'Messages' })
        .locator('li.mine .state')
        .getByText(/Sent|Seen/)
        .waitFor({ timeout: 10_000 });
      await bob.getByRole('log', { name: 'Messages' }).getByText('in flight', { exact: true }).waitFor({ timeout: 10_000 });
      const clientIds = frames.map((f) => (JSON.parse(f.slice(f.indexOf('['))) as [string, { clientId: string }])[1].clientId);
      expect(clientIds[1]).toBe(clientIds[0]);
      const [rows] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM direct_messages WHERE client_id = ?', [clientIds[0]]);
      expect(Number(rows[0]!.n)).toBe(1);
      for (const p of [ann, bob]) expect(await p.getByRole('log', { name: 'Messages' }).getByText('in flight', { exact: true }).count()).toBe(1);
    } finally {
      await db.query('UNLOCK TABLES').catch(() => {});
      await db.end();
    }
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('returns to the sign-in screen when the session ended elsewhere', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await ann.goto('/dm');
    await ann.getByRole('heading', { name: 'Messages', level: 1 }).waitFor();
    // A logout from another device: the same session, ended by a client that is not this page.
    const elsewhere = new TestClient(env.server.baseUrl, env.server.config.origin);
    for (const c of await ann.context().cookies()) elsewhere.cookies.set(c.name, c.value);
    expect((await elsewhere.post('/api/auth/logout', {})).status).toBeLessThan(300);

    await ann.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    expect(ann.problems).toEqual([]);
    await ann.context().close();
  }, 60_000);
});
