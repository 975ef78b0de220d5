import { describe, expect, it } from 'vitest';
import { openPage, signUp, useBrowserAndServer, type UserPage } from './browser.js';

/** What the review of the web client found outside the room screen, each seen from the browser. */
const env = useBrowserAndServer();

const OUTAGE = 'Can’t reach Parley right now — retrying…';
const rand = () => Math.random().toString(36).slice(2, 10);

/** The API as the page itself calls it (same origin, its cookies): answers status and body. */
function call(page: UserPage, method: string, path: string, body?: unknown) {
  return page.evaluate(
    async ([method, path, body]) => {
      const res = await fetch(path as string, {
        method: method as string,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    },
    [method, path, body] as const,
  );
}

async function closeAll(...pages: UserPage[]) {
  for (const p of pages) expect(p.problems).toEqual([]);
  for (const p of pages) await p.context().close();
}

describe('what the review found', () => {
  it('offers "last time you were in" only for a room that still exists, and forgets a deleted one', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    const room = `last-${rand()}`;
    expect((await call(ann, 'POST', '/api/rooms', { name: room })).status).toBe(201);
    await ann.evaluate((r) => localStorage.setItem('parley:last-room', r), room);
    await ann.reload();
    await ann.getByText('Last time you were in').getByRole('link', { name: room }).waitFor();

    expect((await call(ann, 'DELETE', `/api/rooms/${room}`)).status).toBe(204);
    await ann.reload();
    await ann.getByRole('heading', { name: 'Rooms' }).waitFor();
    await ann.waitForFunction(() => localStorage.getItem('parley:last-room') === null);
    expect(await ann.getByText('Last time you were in').count()).toBe(0);
    await closeAll(ann);
  }, 60_000);

  it('does not offer to write to yourself, and says why', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await ann.goto(`/dm/${ann.username}`);
    await ann.getByRole('alert').getByText('You can’t send messages to yourself').waitFor();
    expect(await ann.getByLabel('Message', { exact: true }).count()).toBe(0);

    await ann.goto('/dm');
    await ann.getByLabel('Write to (username)').fill(ann.username.toUpperCase());
    await ann.getByRole('button', { name: 'Open' }).click();
    await ann.getByRole('alert').getByText('You can’t send messages to yourself').waitFor();
    expect(new URL(ann.url()).pathname).toBe('/dm');
    await closeAll(ann);
  }, 60_000);

  it('finds people by display name, with spaces and accents, and says plainly when nobody matches', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    const surname = `Zoë${rand()}`;
    await signUp(ann, 'ann');
    await signUp(bob, 'bob', `Bob ${surname}`);
    const search = ann.getByLabel('Find people');
    await search.fill(`bob ${surname.toLowerCase()}`);
    await ann.getByRole('link', { name: `Bob ${surname} @${bob.username}` }).waitFor();
    await search.fill(surname.toUpperCase());
    await ann.getByRole('link', { name: `Bob ${surname} @${bob.username}` }).waitFor();
    await search.fill(`nobody ${rand()}`);
    await ann.getByText('Nobody by that name.').waitFor();
    await closeAll(ann, bob);
  }, 60_000);

  it('says a full password room is full instead of asking for its password', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    const carol = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await signUp(bob, 'bob');
    await signUp(carol, 'carol');
    const room = `full-${rand()}`;
    expect((await call(ann, 'POST', '/api/rooms', { name: room, password: 'sesame12', capacity: 2 })).status).toBe(201);
    expect((await call(ann, 'POST', `/api/rooms/${room}/join`, {})).status).toBe(200);
    expect((await call(bob, 'POST', `/api/rooms/${room}/join`, { password: 'sesame12' })).status).toBe(200);

    await carol.goto('/');
    await carol.getByLabel('Room name').fill(room);
    await carol.getByRole('button', { name: 'Join room' }).click();
    await carol.getByRole('alert').getByText(`“${room}” is full (2 of 2)`).waitFor();
    expect(new URL(carol.url()).pathname).toBe('/');
    // The same from the list of rooms.
    await carol.getByRole('alert').evaluate((e) => (e.textContent = ''));
    await carol.getByRole('link', { name: room, exact: true }).click();
    await carol.getByRole('alert').getByText(`“${room}” is full`).waitFor();
    expect(new URL(carol.url()).pathname).toBe('/');
    expect(await carol.getByLabel('Password', { exact: true }).count()).toBe(0);
    await closeAll(ann, bob, carol);
  }, 60_000);

  it('says exactly which room names are allowed and shows the name a room will get as you type', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    const name = ann.getByLabel('Room name');
    expect(await name.getAttribute('aria-describedby')).toBeTruthy();
    await ann.getByText('Lower-case a–z, 0–9, - and _, starting with a letter or digit; spaces become -.').waitFor();
    await name.fill('My  Room');
    await ann.getByText('Will be created as: my-room').waitFor();
    await name.fill('Café Crème');
    await ann.getByText('Room names can’t contain “é” “è”.').waitFor();
    await closeAll(ann);
  }, 60_000);

  it('shows an outage as an outage, not as empty lists, and recovers by itself', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    // The API answers 503 for the rooms (the lobby stream) and the network fails for the conversations.
    await ann.route('**/api/lobby/events', (r) =>
      r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"down"}}' }),
    );
    await ann.route('**/api/dm/conversations', (r) => r.abort('connectionrefused'));
    await ann.reload();
    const rooms = ann.getByRole('region', { name: 'Rooms' });
    const people = ann.getByRole('region', { name: 'People' });
    await rooms.getByText(OUTAGE).waitFor();
    await people.getByText(OUTAGE).waitFor();
    expect(await ann.getByText('No rooms yet').count()).toBe(0);

    await ann.goto('/dm');
    await ann.getByRole('list', { name: 'Conversations' }).getByText(OUTAGE).waitFor();
    expect(await ann.getByText('No conversations yet').count()).toBe(0);
    await ann.unroute('**/api/dm/conversations');
    await ann.getByRole('list', { name: 'Conversations' }).getByText('No conversations yet.').waitFor({ timeout: 15_000 });

    await ann.goto('/');
    await rooms.getByText(OUTAGE).waitFor();
    await ann.unroute('**/api/lobby/events');
    await rooms.getByText(OUTAGE).waitFor({ state: 'detached', timeout: 15_000 });
    await people.getByText('No conversations yet').waitFor();
    // The page errors above are the routes refusing on purpose.
    ann.problems.length = 0;
    await closeAll(ann);
  }, 60_000);

  it('shows people as display name and @username on Home, in the header and in Messages', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann', 'Ann Original');
    await signUp(bob, 'bob', 'Bobby Tables');
    await ann.getByRole('navigation', { name: 'Main' }).getByText(`Ann Original @${ann.username}`).waitFor();
    await ann.goto(`/dm/${bob.username}`);
    await ann.getByRole('heading', { level: 1, name: `Messages with Bobby Tables (@${bob.username})` }).waitFor();
    await ann.getByLabel('Message', { exact: true }).fill('hi');
    await ann.getByLabel('Message', { exact: true }).press('Enter');
    await ann.getByRole('log', { name: 'Messages' }).getByText('Sent', { exact: true }).waitFor();
    await ann.goto('/');
    await ann
      .getByRole('region', { name: 'People' })
      .getByRole('link', { name: `Bobby Tables @${bob.username}` })
      .waitFor();
    await ann.goto(`/dm/${bob.username}`);
    await ann.getByRole('heading', { level: 1, name: `Messages with Bobby Tables (@${bob.username})` }).waitFor();
    await bob.goto(`/dm/${ann.username}`);
    await bob.getByRole('log', { name: 'Messages' }).getByText('hi').waitFor();
    await bob.getByLabel('Message', { exact: true }).fill('typing');
    await ann.getByText('Bobby Tables is typing…').waitFor();
    await closeAll(ann, bob);
  }, 60_000);

  it('moves focus to the new heading after navigation without drawing a ring around it', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    // A keyboard user: the ring is drawn for keyboard focus, so this is the case that showed it.
    await ann.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).focus();
    await ann.keyboard.press('Enter');
    await ann.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
    const heading = await ann.evaluate(() => {
      const h1 = document.querySelector('h1')!;
      return { focused: document.activeElement === h1, outline: getComputedStyle(h1).outlineStyle };
    });
    expect(heading).toEqual({ focused: true, outline: 'none' });
    await closeAll(ann);
  }, 60_000);
});
