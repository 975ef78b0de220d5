import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { startTestServer, workerDatabaseUrl } from '../../src/test/harness.js';
import { openPage, signUp, startWebServer, useBrowserAndServer, type UserPage } from './browser.js';

/** Home and Messages as people use them: what they offer, what they refuse, and how they look on a phone. */
const env = useBrowserAndServer();

const OUTAGE = 'Can’t reach Parley right now — retrying…';
const rand = () => Math.random().toString(36).slice(2, 10);

/** The text drawn on screen in <main>: not what is hidden, nor what is there only for screen readers. */
function visibleText(page: UserPage): Promise<string> {
  return page.evaluate(() => {
    const walker = document.createTreeWalker(document.querySelector('main')!, NodeFilter.SHOW_TEXT);
    const out: string[] = [];
    while (walker.nextNode()) {
      const el = walker.currentNode.parentElement!;
      const r = el.getBoundingClientRect();
      if (el.closest('.visually-hidden') || r.width <= 1 || r.height <= 1) continue;
      out.push(walker.currentNode.textContent ?? '');
    }
    return out.join(' ');
  });
}

async function closeAll(...pages: UserPage[]) {
  expect(pages.flatMap((p) => p.problems)).toEqual([]);
  for (const p of pages) await p.context().close();
}

describe('Home', () => {
  it('says which room names the server takes, and the server agrees: “café” is refused before and after Create, “cafe” is made', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    const name = ann.getByLabel('Room name');
    const hintId = (await name.getAttribute('aria-describedby'))!.split(' ')[0]!;
    expect(await ann.locator(`[id="${hintId}"]`).textContent()).toBe('Lower-case a–z, 0–9, - and _, starting with a letter or digit; spaces become -.');
    const tail = rand();
    await name.fill(`Café ${tail}`);
    await ann.getByText('Room names can’t contain “é”.').waitFor();
    // Created anyway: the server refuses it with the same words, and the page stays on Home.
    await ann.getByRole('button', { name: 'Create room' }).click();
    await ann.getByRole('alert').getByText('Room names can’t contain “é”. Use a–z, 0–9, - and _.').waitFor();
    expect(new URL(ann.url()).pathname).toBe('/');

    await name.fill(`Cafe ${tail}`);
    await ann.getByText(`Will be created as: cafe-${tail}`).waitFor();
    await ann.getByRole('button', { name: 'Create room' }).click();
    await ann.waitForURL(`**/r/cafe-${tail}`);
    await closeAll(ann);
  }, 60_000);

  it('never offers to write to yourself from search, and says why when you find only yourself', async () => {
    const ann = await openPage(env.browser, env.server);
    const display = `Selfie ${rand()}`;
    await signUp(ann, 'ann', display);
    await ann.getByLabel('Find people').fill(display);
    await ann.getByText('That’s you. Search for someone else to write to.').waitFor();
    expect(await ann.getByRole('region', { name: 'People' }).locator(`a[href="/dm/${ann.username}"]`).count()).toBe(0);
    await closeAll(ann);
  }, 60_000);
});

describe('an outage', () => {
  it('shows on Home and in Messages as an outage or “Reconnecting…”, never as empty lists, and clears when Parley is back', async () => {
    let server = await startWebServer();
    const port = new URL(server.baseUrl).port;
    const ann = await openPage(env.browser, server);
    await signUp(ann, 'ann');
    await ann
      .getByRole('region', { name: 'Rooms' })
      .getByText(/No rooms yet|here|Full/)
      .first()
      .waitFor();

    await server.stop();
    const rooms = ann.getByRole('region', { name: 'Rooms' });
    await rooms.getByText(OUTAGE).waitFor({ timeout: 15_000 });
    await ann.getByRole('region', { name: 'People' }).getByText('Reconnecting…').waitFor({ timeout: 15_000 });
    expect(await ann.getByText('No rooms yet').count()).toBe(0);

    await ann.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
    await ann.locator('.dm [role=status]').getByText('Reconnecting…').waitFor({ timeout: 15_000 });
    await ann.getByRole('list', { name: 'Conversations' }).getByText(OUTAGE).waitFor({ timeout: 15_000 });
    expect(await ann.getByText('No conversations yet').count()).toBe(0);

    // Back on the same address: the page finds it by itself.
    server = await startTestServer({ PORT: port, ORIGIN: `http://127.0.0.1:${port}` });
    try {
      await ann.getByRole('list', { name: 'Conversations' }).getByText('No conversations yet.').waitFor({ timeout: 40_000 });
      await ann.locator('.dm [role=status]').getByText('Reconnecting…').waitFor({ state: 'detached', timeout: 20_000 });
    } finally {
      // The page's failed requests while the server was down are the point of this test.
      ann.problems.length = 0;
      await closeAll(ann);
      await server.stop();
    }
  }, 120_000);
});

describe('Messages on a phone', () => {
  it('shows the list or a thread, with a back button, and names the other person once', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    const bobName = `Bob ${rand()}`;
    await signUp(bob, 'bob', bobName);
    await ann.setViewportSize({ width: 390, height: 844 });
    await signUp(ann, 'ann');
    await ann.goto(`/dm/${bob.username}`);
    await ann.getByRole('heading', { level: 1, name: `Messages with ${bobName} (@${bob.username})` }).waitFor();
    await ann.getByRole('textbox', { name: 'Message' }).fill('hello from the phone');
    await ann.getByRole('textbox', { name: 'Message' }).press('Enter');
    await ann.getByRole('log', { name: 'Messages' }).getByText('Sent', { exact: true }).waitFor();
    // What a person sees: the name once, the handle once.
    const shown = await visibleText(ann);
    expect(shown.split(bobName).length - 1, shown).toBe(1);
    expect(shown.split(`@${bob.username}`).length - 1, shown).toBe(1);
    expect(await ann.getByRole('heading', { name: 'Conversations' }).isVisible()).toBe(false);

    await ann.getByRole('link', { name: 'Conversations', exact: true }).click();
    await ann.waitForURL('**/dm');
    await ann.getByRole('heading', { name: 'Conversations' }).waitFor();
    expect(await ann.getByRole('textbox', { name: 'Message' }).count()).toBe(0);
    await ann.getByRole('link', { name: new RegExp(bob.username) }).click();
    await ann.waitForURL(`**/dm/${bob.username}`);
    await ann.getByRole('log', { name: 'Messages' }).getByText('hello from the phone').waitFor();
    await closeAll(ann, bob);
  }, 60_000);
});

describe('a long thread', () => {
  it('pages back with “Load older” and keeps the reader’s place', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await signUp(bob, 'bob');
    // 60 old messages from Bob, more than one page (50).
    const db = await mysql.createConnection({ uri: workerDatabaseUrl() });
    try {
      const values = Array.from(
        { length: 60 },
        (_, i) =>
          `((SELECT id FROM users WHERE username = ${db.escape(bob.username)}), (SELECT id FROM users WHERE username = ${db.escape(ann.username)}), 'old ${i}', 'old-${i}', NOW(3))`,
      );
      await db.query(`INSERT INTO direct_messages (sender_id, recipient_id, body, client_id, created_at) VALUES ${values.join(', ')}`);
    } finally {
      await db.end();
    }
    await ann.goto(`/dm/${bob.username}`);
    const log = ann.getByRole('log', { name: 'Messages' });
    await log.getByText('old 59', { exact: true }).waitFor();
    expect(await log.getByText('old 0', { exact: true }).count()).toBe(0);
    const inView = (text: string) =>
      log.evaluate((el, text) => {
        const item = [...el.querySelectorAll('li')].find((li) => li.querySelector('.body')?.textContent === text)!;
        const a = el.getBoundingClientRect();
        const b = item.getBoundingClientRect();
        return b.top >= a.top - 1 && b.bottom <= a.bottom + 1;
      }, text);
    expect(await inView('old 59')).toBe(true);

    await ann.getByRole('button', { name: 'Load older' }).click();
    await log.getByText('old 0', { exact: true }).waitFor();
    expect(await ann.getByRole('button', { name: 'Load older' }).isVisible()).toBe(false);
    // Older messages arrive above: the newest stays where the reader was looking.
    expect(await inView('old 59')).toBe(true);
    expect(await log.locator('li.theirs').count()).toBe(60);
    await closeAll(ann, bob);
  }, 60_000);
});
