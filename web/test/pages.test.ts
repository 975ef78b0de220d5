import { describe, expect, it } from 'vitest';
import { seriousViolations, openPage, signUp, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

const env = useBrowserAndServer();

const roomName = () => `text-${Math.random().toString(36).slice(2, 10)}`;
// Markup that would run script if it were ever parsed as HTML.
const HOSTILE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b> & "quotes"`;

async function pwned(page: UserPage) {
  return page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
}

/** Ann creates a new room and Bob opens its link; both are in it when this returns. */
async function bothInARoom(displayName?: string) {
  const ann = await openPage(env.browser, env.server);
  const bob = await openPage(env.browser, env.server);
  await signUp(ann, 'ann', displayName);
  await signUp(bob, 'bob', displayName);
  const name = roomName();
  await ann.getByLabel('Room name').fill(name);
  await ann.getByRole('button', { name: 'Create room' }).click();
  const people = ann.getByRole('region', { name: 'People' });
  await people.getByText(`@${ann.username}`).waitFor();
  await bob.goto(`/r/${name}`);
  await people.getByText(`@${bob.username}`).waitFor();
  return { ann, bob, people };
}

describe('signing in and creating an account', () => {
  it('Enter in Sign in never creates an account; errors stand beside the wrong field, which gets the focus', async () => {
    const page = await openPage(env.browser, env.server);
    const existing = await openPage(env.browser, env.server);
    await signUp(existing, 'taken');
    await page.goto('/');
    const signIn = page.getByRole('form', { name: 'Sign in' });
    // Password managers go by these.
    expect(await signIn.getByLabel('Username').getAttribute('autocomplete')).toBe('username');
    expect(await signIn.getByLabel('Password').getAttribute('autocomplete')).toBe('current-password');

    // A name nobody has, and Enter: a failed sign-in, not a new account.
    const typo = `nobody${Math.random().toString(36).slice(2, 8)}`;
    await signIn.getByLabel('Username').fill(typo);
    await signIn.getByLabel('Password').fill('correct horse battery');
    await signIn.getByLabel('Password').press('Enter');
    await signIn.getByText('Wrong username or password.').waitFor();
    expect(await signIn.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');
    const [rows] = await env.server.database.pool.query('SELECT id FROM users WHERE username = ?', [typo]);
    expect(rows).toEqual([]);

    // Creating an account: a new password, and a taken name said beside the name.
    await page.getByRole('link', { name: 'Create an account' }).click();
    const create = page.getByRole('form', { name: 'Create account' });
    expect(await create.getByLabel('Password').getAttribute('autocomplete')).toBe('new-password');
    await create.getByLabel('Username').fill(existing.username);
    await create.getByLabel('Password').fill('another good password');
    await create.getByRole('button', { name: 'Create account' }).click();
    await create.getByText('That username is taken. Pick another, or sign in if it is yours.').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('username');
    // Too short a password is caught before anything is sent, beside the password.
    await create.getByLabel('Username').fill(`fresh${Math.random().toString(36).slice(2, 8)}`);
    await create.getByLabel('Password').fill('short');
    await create.getByRole('button', { name: 'Create account' }).click();
    await create.getByText('Use at least 8 characters.').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');
    expect(page.problems).toEqual([]);
    await page.context().close();
    await existing.context().close();
  }, 60_000);
});

describe('text in real browsers', () => {
  it('exchanges room chat live; markup arrives as visible text and never runs', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await signUp(bob, 'bob');
    const name = roomName();
    await ann.getByLabel('Room name').fill(name);
    await ann.getByRole('button', { name: 'Create room' }).click();
    // Ann is in the room (her stream's welcome listed her) before Bob comes: otherwise Bob may
    // be in that welcome already, and Ann would never see him join.
    await ann.getByRole('region', { name: 'People' }).getByText(`@${ann.username}`).waitFor();
    await bob.goto(`/r/${name}`);
    await bob.getByRole('button', { name: 'Join call' }).waitFor();
    await ann.getByRole('log', { name: 'Room chat' }).getByText(`@${bob.username}) entered the room.`).waitFor();

    // The session survives a reload, and the page rejoins the room.
    await bob.reload();
    await bob.getByRole('button', { name: 'Join call' }).waitFor();
    expect(bob.url()).toMatch(new RegExp(`/r/${name}$`));
    // Opening the page joined once: one peer per tab. Once the tab before the reload has left (on
    // pagehide, or at the member timeout), Ann sees Bob in one tab; a page that joined twice would
    // stay "2 tabs". (A second tab of the same person is no news in the chat, so lines are not counted.)
    const annPeople = ann.getByRole('region', { name: 'People' });
    const oneTab = async () => (await annPeople.getByText(/\d tabs/).count()) === 0 && (await annPeople.getByText(`@${bob.username}`).count()) === 1;
    await waitFor('Ann sees Bob in one tab', oneTab, 25_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await oneTab()).toBe(true);

    // Empty messages are refused in words.
    await bob.getByLabel('Message', { exact: true }).fill('   ');
    await bob.getByRole('button', { name: 'Send' }).click();
    await bob.getByText('Write something first.').waitFor();

    await bob.getByLabel('Message', { exact: true }).fill(HOSTILE);
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    const log = ann.getByRole('log', { name: 'Room chat' });
    await log.getByText(HOSTILE, { exact: true }).waitFor();
    expect(await log.locator('img, script, b').count()).toBe(0);
    expect(await pwned(ann)).toBeUndefined();
    expect(await pwned(bob)).toBeUndefined();
    await bob.getByRole('log', { name: 'Room chat' }).getByText(HOSTILE, { exact: true }).waitFor();
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('tells two people of the same display name apart by @username; a right-to-left override stays inside its message', async () => {
    const { ann, bob, people } = await bothInARoom('Alice');
    // Both are "Alice"; the handles tell them apart, in the member list and in the chat.
    expect(await people.getByText('Alice', { exact: true }).count()).toBe(2);
    await ann.getByRole('log', { name: 'Room chat' }).getByText(`Alice (@${bob.username}) entered the room.`).waitFor();

    // U+202E would reverse everything after it on the line if it were not isolated.
    const spoof = 'invoice\u202Efdp.exe';
    await bob.getByLabel('Message', { exact: true }).fill(spoof);
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    const line = ann.getByRole('log', { name: 'Room chat' }).getByRole('listitem').filter({ hasText: spoof });
    await line.waitFor();
    expect(await line.locator('.author').textContent()).toContain(`@${bob.username}`);
    const body = line.locator('.body');
    expect(await body.getAttribute('dir')).toBe('auto');
    expect(['isolate', 'plaintext', 'isolate-override']).toContain(await body.evaluate((el) => getComputedStyle(el).unicodeBidi));
    expect(await line.locator('.author bdi').evaluate((el) => getComputedStyle(el).unicodeBidi)).toBe('isolate');

    // A direct message's header and the conversation list name the person by handle too.
    await ann.goto(`/dm/${bob.username}`);
    await ann.getByRole('heading', { level: 1, name: new RegExp(`@${bob.username}`) }).waitFor();
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('shows a member’s new display name in the room without a reload', async () => {
    const { ann, bob, people } = await bothInARoom();
    const status = await bob.evaluate(async () => {
      const res = await fetch('/api/me', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: 'Robert Renamed' }),
      });
      return res.status;
    });
    expect(status).toBe(200);
    await people.getByText('Robert Renamed').waitFor();
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('exchanges a DM live in every tab, with Sent, Seen and typing; markup stays text', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann');
    await signUp(bob, 'bob');
    // A second tab of Ann's, same session.
    const annTab2 = (await ann.context().newPage()) as UserPage;
    annTab2.problems = [];

    await ann.goto(`/dm/${bob.username}`);
    await bob.goto(`/dm/${ann.username}`);
    await annTab2.goto(`/dm/${bob.username}`);
    for (const p of [ann, bob, annTab2]) await p.getByRole('log', { name: 'Messages' }).waitFor();

    await bob.getByLabel('Message', { exact: true }).fill('hel');
    await ann.getByText(`${bob.username} is typing…`).waitFor();

    await ann.getByLabel('Message', { exact: true }).fill(HOSTILE);
    await ann.getByLabel('Message', { exact: true }).press('Enter');
    for (const p of [bob, annTab2, ann]) await p.getByRole('log', { name: 'Messages' }).getByText(HOSTILE, { exact: true }).waitFor();
    // Bob has it open, so he reads it at once: Ann's tabs say Seen.
    await ann.getByRole('log', { name: 'Messages' }).getByText('Seen').waitFor();
    for (const p of [ann, bob, annTab2]) {
      expect(await p.getByRole('log', { name: 'Messages' }).locator('img, script, b').count()).toBe(0);
      expect(await pwned(p)).toBeUndefined();
    }
    // One message, shown once in each tab.
    expect(await annTab2.getByRole('log', { name: 'Messages' }).getByText(HOSTILE, { exact: true }).count()).toBe(1);
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);
});

describe('accessibility', () => {
  it('axe finds no serious or critical WCAG 2 A/AA violation on any screen', async () => {
    // axe is injected as a script, which the strict CSP would refuse; this context bypasses it.
    const page = await openPage(env.browser, env.server, { bypassCSP: true });
    const other = await openPage(env.browser, env.server);
    await signUp(other, 'friend');
    const audit = async (screen: string) => {
      const bad = await seriousViolations(page);
      expect(bad, `${screen}: ${JSON.stringify(bad)}`).toEqual([]);
    };
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await audit('sign in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('button', { name: 'Create account' }).waitFor();
    await audit('create account');
    await signUp(page, 'axe');
    await audit('home');
    const name = roomName();
    await page.getByLabel('Room name').fill(name);
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByRole('button', { name: 'Join call' }).click();
    await page.getByRole('button', { name: 'Leave call' }).waitFor();
    await page.getByLabel('Message', { exact: true }).fill('hello');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('log', { name: 'Room chat' }).getByText('hello').waitFor();
    await audit('room in a call');
    await page.goto(`/dm/${other.username}`);
    await page.getByLabel('Message', { exact: true }).fill('hi');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.getByRole('log', { name: 'Messages' }).getByText('Sent', { exact: true }).waitFor();
    await audit('direct messages');
    await page.goto('/settings');
    await page.getByText('This browser').waitFor();
    await audit('settings');
    // Phone width: the same screens still pass.
    await page.setViewportSize({ width: 375, height: 740 });
    await audit('direct messages at phone width');
    await page.context().close();
    await other.context().close();
  }, 90_000);
});
