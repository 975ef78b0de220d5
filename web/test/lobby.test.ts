import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sessionIdFromToken } from '../../src/auth/session.js';
import { startTestServer, uniquePrefix, type TestServer } from '../../src/test/harness.js';
import { createRoom, join, person, uniqueRoomName } from '../../src/test/rooms-helpers.js';
import { launchBrowser, openPage, signUp, startWebServer } from './browser.js';

const OUTAGE = 'Can’t reach Parley right now — retrying…';

/**
 * Home's room list is pushed by the lobby stream: the page is served by process B,
 * the room is created and joined through process A (same MySQL and Redis), and the
 * list shows it within 1 s without asking `GET /api/rooms` again.
 */

let browser: Browser;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const prefix = uniquePrefix();
  browser = await launchBrowser();
  // One after the other: each applies the migrations on start.
  a = await startTestServer({ REDIS_PREFIX: prefix });
  b = await startWebServer({ REDIS_PREFIX: prefix });
});
afterAll(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
});

describe('Home’s room list', () => {
  it('updates by push: a room created, joined, left and deleted through another process shows within 1 s, with no polling', async () => {
    const page = await openPage(browser, b);
    const listRequests: string[] = [];
    const lobbyStreams: string[] = [];
    page.on('request', (req) => {
      const path = new URL(req.url()).pathname;
      if (req.method() === 'GET' && path === '/api/rooms') listRequests.push(path);
      if (path === '/api/lobby/events') lobbyStreams.push(path);
    });
    await signUp(page, 'watch');
    const rooms = page.getByRole('region', { name: 'Rooms' });
    await rooms.locator('.rooms[aria-busy=false]').waitFor();
    expect(lobbyStreams.length).toBe(1);

    const ann = await person(a, 'ann');
    const bob = await person(a, 'bob');
    const room = uniqueRoomName('pushed');
    await createRoom(ann, room, { capacity: 4 });
    const row = rooms.locator('li.room-row').filter({ has: page.getByRole('link', { name: room, exact: true }) });
    await row.getByText('0 of 4 here').waitFor({ timeout: 1000 });

    const annPeer = await join(ann, room);
    await row.getByText('1 of 4 here').waitFor({ timeout: 1000 });
    await join(bob, room);
    await row.getByText('2 of 4 here').waitFor({ timeout: 1000 });
    expect((await ann.client.post(`/api/rooms/${room}/leave`, { peerId: annPeer })).status).toBe(204);
    await row.getByText('1 of 4 here').waitFor({ timeout: 1000 });
    expect((await ann.client.delete(`/api/rooms/${room}`)).status).toBe(204);
    await row.waitFor({ state: 'detached', timeout: 1000 });

    // Well past the old 4 s poll: the list was never fetched, one stream carried it all.
    await page.waitForTimeout(4500);
    expect(listRequests).toEqual([]);
    expect(lobbyStreams.length).toBe(1);
    expect(page.problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('puts a newly created room first, as the list is ordered', async () => {
    const page = await openPage(browser, b);
    await signUp(page, 'order');
    const rooms = page.getByRole('region', { name: 'Rooms' });
    await rooms.locator('.rooms[aria-busy=false]').waitFor();
    const ann = await person(a, 'ann');
    const room = uniqueRoomName('newest');
    await createRoom(ann, room);
    await rooms.getByRole('link', { name: room, exact: true }).waitFor({ timeout: 1000 });
    expect(await rooms.locator('li.room-row a').first().textContent()).toBe(room);
    expect(page.problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('says so while the stream is down, and after reconnecting shows the list as it now is', async () => {
    const page = await openPage(browser, b);
    await signUp(page, 'back');
    const rooms = page.getByRole('region', { name: 'Rooms' });
    const ann = await person(a, 'ann');
    const gone = uniqueRoomName('gone');
    await createRoom(ann, gone);
    await rooms.getByRole('link', { name: gone, exact: true }).waitFor({ timeout: 1000 });

    // The stream drops (this session's lobby streams on B are ended) and the server refuses it for a while.
    await page.route('**/api/lobby/events', (r) =>
      r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"down"}}' }),
    );
    const token = (await page.context().cookies()).find((c) => c.name === 'parley_session')!.value;
    b.parley.lobby.endSession(sessionIdFromToken(token));
    await rooms.getByText(OUTAGE).waitFor({ timeout: 5000 });
    expect(await rooms.getByRole('link', { name: gone, exact: true }).count()).toBe(0);

    // Meanwhile, through A: one room deleted, another created and joined. No event reaches the page.
    expect((await ann.client.delete(`/api/rooms/${gone}`)).status).toBe(204);
    const fresh = uniqueRoomName('fresh');
    await createRoom(ann, fresh, { capacity: 5 });
    await join(ann, fresh);

    await page.unroute('**/api/lobby/events');
    await rooms.getByText(OUTAGE).waitFor({ state: 'detached', timeout: 10_000 });
    const row = rooms.locator('li.room-row').filter({ has: page.getByRole('link', { name: fresh, exact: true }) });
    await row.getByText('1 of 5 here').waitFor({ timeout: 1000 });
    expect(await rooms.getByRole('link', { name: gone, exact: true }).count()).toBe(0);
    // The refusals above are on purpose.
    page.problems.length = 0;
    await page.context().close();
  }, 60_000);
});
