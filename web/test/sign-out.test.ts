import { describe, expect, it } from 'vitest';
import { openPage, signUp, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * Tabs of one browser share the session: "Log out" in one signs out all of
 * them at once, on that tab's word (a BroadcastChannel), and each ends its
 * DM socket and room stream.
 */
const env = useBrowserAndServer();

describe('signing out in one tab', () => {
  it('returns every other tab to the sign-in screen within 2 s, and their sockets end', async () => {
    const a = await openPage(env.browser, env.server);
    await signUp(a, 'ann');
    const b = (await a.context().newPage()) as UserPage;
    b.problems = [];
    b.on('pageerror', (err) => b.problems.push(`pageerror: ${err.message}`));
    const room = `out-${Math.random().toString(36).slice(2, 10)}`;
    await a.getByLabel('Room name').fill(room);
    await a.getByRole('button', { name: 'Create room' }).click();
    await a.waitForURL(`**/r/${room}`);
    await b.goto(`/r/${room}`);
    await b.getByRole('button', { name: 'Join call' }).waitFor();

    const dmSockets = () => [...env.server.parley.dm.sockets.io.of('/dm').sockets.values()].filter((s) => s.data.user?.username === a.username);
    await waitFor('both tabs have their DM socket', async () => dmSockets().length === 2, 10_000);
    const asked: string[] = [];
    b.on('request', (r) => r.url().endsWith('/api/me') && asked.push(r.url()));

    await a.getByRole('button', { name: 'Log out' }).click();
    await a.getByRole('form', { name: 'Sign in' }).waitFor();
    await b.getByRole('form', { name: 'Sign in' }).waitFor({ timeout: 2000 });
    expect(await b.getByRole('button', { name: 'Log out' }).count()).toBe(0);
    // B knew from A, not by finding out from the server later.
    expect(asked).toEqual([]);
    await waitFor('no DM socket of that session remains', async () => dmSockets().length === 0, 5000);
    expect([...a.problems, ...b.problems]).toEqual([]);
    await a.context().close();
  }, 60_000);

  it('signing in again in one tab signs in the others left on the sign-in screen', async () => {
    const a = await openPage(env.browser, env.server);
    const username = await signUp(a, 'ann');
    const b = (await a.context().newPage()) as UserPage;
    await b.goto('/');
    await b.getByRole('heading', { name: /^Hello, / }).waitFor();
    await a.getByRole('button', { name: 'Log out' }).click();
    await b.getByRole('form', { name: 'Sign in' }).waitFor({ timeout: 2000 });

    const form = a.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Username').fill(username);
    await form.getByLabel('Password').fill('correct horse battery');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await a.getByRole('heading', { name: /^Hello, / }).waitFor();
    await b.getByRole('heading', { name: /^Hello, / }).waitFor({ timeout: 2000 });
    expect(a.problems).toEqual([]);
    await a.context().close();
  }, 60_000);
});
