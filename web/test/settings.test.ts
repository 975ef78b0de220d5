import { describe, expect, it } from 'vitest';
import { openPage, signUp, useBrowserAndServer, type UserPage } from './browser.js';

/**
 * The Settings screen against the real server: each section does what it says, and what it
 * says shows elsewhere (the header's name, another browser signed out, a refused message).
 */
const env = useBrowserAndServer();

async function signIn(page: UserPage, username: string, password: string) {
  await page.goto('/');
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

const openSettings = async (page: UserPage) => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
};

describe('settings', () => {
  it('renames, lists and signs out other sessions, and changes the password', async () => {
    const a = await openPage(env.browser, env.server);
    const username = await signUp(a, 'set');
    const b = await openPage(env.browser, env.server);
    await signIn(b, username, 'correct horse battery');
    await b.getByRole('heading', { name: /^Hello, / }).waitFor();
    await openSettings(a);

    // Profile: the header shows the new name at once.
    await a.getByLabel('Display name').fill('Ann Settings');
    await a.getByRole('button', { name: 'Save name' }).click();
    await a.getByText('Saved. Others now see you as Ann Settings.').waitFor();
    await a.getByRole('navigation', { name: 'Main' }).getByText('Ann Settings').waitFor();

    // Sessions: two, this one marked, in plain words.
    const sessions = a.getByRole('list', { name: 'Your sessions' }).getByRole('listitem');
    await expect.poll(() => sessions.count()).toBe(2);
    await sessions.filter({ hasText: 'This browser' }).getByText('Chrome on Linux').waitFor();
    await a.getByRole('button', { name: 'Sign out other sessions' }).click();
    await a.getByText('Your other sessions were signed out.').waitFor();
    await expect.poll(() => sessions.count()).toBe(1);
    await b.reload();
    await b.getByRole('form', { name: 'Sign in' }).waitFor();

    // One session signed out by its own "Sign out".
    await signIn(b, username, 'correct horse battery');
    await b.getByRole('heading', { name: /^Hello, / }).waitFor();
    await a.reload();
    await expect.poll(() => sessions.count()).toBe(2);
    await sessions.filter({ hasNotText: 'This browser' }).getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => sessions.count()).toBe(1);
    await b.reload();
    await b.getByRole('form', { name: 'Sign in' }).waitFor();

    // Password: a wrong current one is said beside the field; the right one signs the others out.
    await signIn(b, username, 'correct horse battery');
    await b.getByRole('heading', { name: /^Hello, / }).waitFor();
    await a.getByLabel('Current password').fill('not my password');
    await a.getByLabel('New password').fill('a brand new secret');
    await a.getByRole('button', { name: 'Change password' }).click();
    await a.getByText('That is not your current password.').waitFor();
    expect(await a.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(await a.getByLabel('Current password').getAttribute('autocomplete')).toBe('current-password');
    expect(await a.getByLabel('New password').getAttribute('autocomplete')).toBe('new-password');
    await a.getByLabel('Current password').fill('correct horse battery');
    await a.getByRole('button', { name: 'Change password' }).click();
    await a.getByText('Password changed. Your other sessions were signed out.').waitFor();
    await b.reload();
    await b.getByRole('form', { name: 'Sign in' }).waitFor();
    await signIn(b, username, 'correct horse battery');
    await b.getByText('Wrong username or password.').waitFor();
    await signIn(b, username, 'a brand new secret');
    await b.getByRole('heading', { name: /^Hello, / }).waitFor();
    expect([...a.problems, ...b.problems]).toEqual([]);
    await a.context().close();
    await b.context().close();
  }, 90_000);

  it('blocks from the conversation, lists the blocked person, and unblocks', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'blk');
    await signUp(bob, 'blk');
    await ann.goto(`/dm/${bob.username}`);
    await ann.getByRole('button', { name: 'Block', exact: true }).click();
    await ann.getByRole('button', { name: 'Unblock', exact: true }).waitFor();

    await bob.goto(`/dm/${ann.username}`);
    await bob.getByLabel('Message', { exact: true }).fill('hello?');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await bob.getByRole('log', { name: 'Messages' }).getByText('this person does not accept your messages.').waitFor();

    await openSettings(ann);
    const blocked = ann.getByRole('list', { name: 'Blocked people' }).getByRole('listitem');
    await blocked.getByText(`@${bob.username}`).waitFor();
    await blocked.getByRole('button', { name: 'Unblock' }).click();
    await ann.getByText(/^Unblocked .*Their messages reach you again\.$/).waitFor();
    await ann.getByText('Nobody. To block someone', { exact: false }).waitFor();

    await bob.getByLabel('Message', { exact: true }).fill('now?');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await bob.getByRole('log', { name: 'Messages' }).getByText('Sent', { exact: true }).waitFor();
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 90_000);

  it('deletes the account after the password and a confirmation, and the name cannot sign in', async () => {
    const page = await openPage(env.browser, env.server);
    const username = await signUp(page, 'del');
    await openSettings(page);
    const section = page.getByRole('form', { name: 'Delete account' });
    await section.getByRole('button', { name: 'Delete account…' }).click();
    await section.getByText('Enter your password.').waitFor();
    await section.getByLabel('Password').fill('wrong password');
    await section.getByRole('button', { name: 'Delete account…' }).click();
    await section.getByRole('button', { name: 'Yes, delete my account' }).click();
    await section.getByText('That is not your password.').waitFor();
    await section.getByLabel('Password').fill('correct horse battery');
    await section.getByRole('button', { name: 'Delete account…' }).click();
    await section.getByRole('button', { name: 'Yes, delete my account' }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    await signIn(page, username, 'correct horse battery');
    await page.getByText('Wrong username or password.').waitFor();
    expect(page.problems).toEqual([]);
    await page.context().close();
  }, 90_000);
});
