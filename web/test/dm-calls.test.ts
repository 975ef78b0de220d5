import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix, type TestServer } from '../../src/test/harness.js';
import { audioOver, callStats, connectedTo, launchBrowser, openPage, signUp, startWebServer, waitFor, type UserPage } from './browser.js';

/**
 * Calls from a conversation in real browsers, on two Parley processes of one deployment: Ann
 * calls from process A; Bob has two tabs, one on each process. A rings with the default 30 s;
 * B is started with a 3 s ring timeout, so a call placed through B goes unanswered quickly.
 * The browsers' own getStats() is the judge of the audio.
 */
let browser: Browser;
let a: TestServer;
let b: TestServer;
let ann: UserPage;
/** Bob's tab on process A, and his second tab (same browser context) on process B. */
let bobA: UserPage;
let bobB: UserPage;

beforeAll(async () => {
  const prefix = uniquePrefix();
  browser = await launchBrowser();
  // One after the other: each applies the migrations on start.
  a = await startWebServer({ REDIS_PREFIX: prefix });
  b = await startWebServer({ REDIS_PREFIX: prefix, CALL_RING_TIMEOUT_MS: '3000' });
  ann = await openPage(browser, a);
  bobA = await openPage(browser, a);
  await signUp(ann, 'ann', 'Ann');
  await signUp(bobA, 'bob', 'Bob');
  // The session cookie is the host's, whatever the port: Bob's second tab is signed in on B too.
  bobB = (await bobA.context().newPage()) as UserPage;
  Object.assign(bobB, { problems: [] as string[], username: bobA.username });
  bobB.on('pageerror', (err) => bobB.problems.push(`pageerror: ${err.message}`));
  await bobB.goto(`${b.baseUrl}/dm`);
  await bobB.getByRole('heading', { name: 'Messages', level: 1 }).waitFor();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
});

const prompt = (page: Page) => page.getByRole('alertdialog', { name: 'Incoming call' });
const thread = (page: Page) => page.getByRole('log', { name: 'Messages' });
const callButton = (page: Page) => page.getByRole('main').getByRole('button', { name: /^Call / });

/** Ann opens her conversation with Bob (on `server`) and presses Call; her page goes to the call's room. */
async function annCalls(page: UserPage = ann, server: TestServer = a) {
  if (!page.url().endsWith(`/dm/${bobA.username}`)) await page.goto(`${server.baseUrl}/dm/${bobA.username}`);
  await callButton(page).click();
  await page.waitForURL(/\/r\/call-/);
}

/** Both of Bob's tabs show the incoming call, with Ann's display name and @username. */
async function bothRing() {
  for (const page of [bobA, bobB]) {
    const p = prompt(page);
    await p.waitFor({ timeout: 10_000 });
    await p.getByText('Ann', { exact: true }).waitFor();
    await p.getByText(`@${ann.username}`).waitFor();
  }
}

/** Client-side navigation, as a link in the app does it (a page load would start the tab afresh). */
async function go(page: Page, path: string) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

async function entryIn(page: Page, words: string | RegExp) {
  await thread(page).locator('li.call-entry').getByText(words).last().waitFor({ timeout: 10_000 });
}

function noProblems() {
  expect([...ann.problems, ...bobA.problems, ...bobB.problems]).toEqual([]);
}

describe('calls from a conversation, on two processes', () => {
  it('rings both of Bob’s tabs; accepting on one stops the other; audio flows both ways; a reload keeps the call; hanging up stores “Call · …” in both threads', async () => {
    await bobA.goto('/');
    await annCalls();
    await ann.getByText('Calling Bob…').waitFor();
    await ann.getByRole('heading', { level: 1, name: /Call with Bob/ }).waitFor();
    await bothRing();
    // The prompt takes focus (not its Accept button): a key pressed while typing cannot answer.
    expect(await bobA.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('alertdialog');

    await prompt(bobA).getByRole('button', { name: 'Accept' }).click();
    await prompt(bobB).getByText('Answered on another tab').waitFor();
    await prompt(bobB).waitFor({ state: 'detached', timeout: 10_000 });
    await bobA.waitForURL(/\/r\/call-/);
    expect(await prompt(bobA).count()).toBe(0);
    await bobA.getByRole('heading', { level: 1, name: /Call with Ann/ }).waitFor();
    // Bob's other tab does not offer to call while he is in a call (ringing would end it).
    await go(bobB, `/dm/${ann.username}`);
    await bobB.getByText('You are in a call in another tab.').waitFor();
    expect(await callButton(bobB).isDisabled()).toBe(true);

    await connectedTo(ann, 1);
    await connectedTo(bobA, 1);
    for (const page of [ann, bobA]) {
      const [flow] = await audioOver(page);
      expect(flow!.bytes).toBeGreaterThan(1000);
      expect(flow!.energy).toBeGreaterThan(0.0001);
    }
    // No room settings, link, People or chat in a two-person call.
    for (const name of ['Copy link', 'People', 'Chat', 'Room settings']) expect(await ann.getByRole('button', { name }).count(), name).toBe(0);
    // A call from a conversation presents a screen as a room's call does: Bob sees it large, with frames.
    await ann.getByRole('button', { name: 'Present' }).click();
    await bobA.getByText('Ann is presenting', { exact: true }).waitFor({ timeout: 20_000 });
    await waitFor('frames of Ann’s screen at Bob', async () => ((await callStats(bobA))[0]?.framesDecoded ?? 0) > 10, 20_000);
    await ann.getByRole('button', { name: 'Stop presenting' }).first().click();
    await bobA.locator('figure.presentation').waitFor({ state: 'detached', timeout: 15_000 });

    // A reload mid-call: still the call with Ann, connected again, and Leave call still hangs up.
    await bobA.reload();
    await bobA.getByRole('heading', { level: 1, name: /Call with Ann/ }).waitFor();
    await connectedTo(bobA, 1);
    await connectedTo(ann, 1);

    await ann.getByRole('button', { name: 'Leave call' }).click();
    await ann.waitForURL(`**/dm/${bobA.username}`);
    // The other side's call ends too, and goes back to its conversation.
    await bobA.waitForURL(`**/dm/${ann.username}`, { timeout: 10_000 });
    await entryIn(ann, /^Call · \d+ (s|min)$/);
    await entryIn(bobA, /^Call · \d+ (s|min)$/);
    // Bob's other tab: the conversation list's preview says so, and Call is offered again.
    await bobB
      .getByRole('list', { name: 'Conversations' })
      .getByText(/^Call · \d+ (s|min)$/)
      .waitFor({ timeout: 10_000 });
    await waitFor('Call is enabled on Bob’s other tab', async () => !(await callButton(bobB).isDisabled()), 10_000);
    await go(bobB, '/dm');
    noProblems();
  }, 90_000);

  it('declining: Ann hears “declined” and returns to the conversation; both threads say “Declined”', async () => {
    await annCalls();
    await bothRing();
    await prompt(bobB).getByRole('button', { name: 'Decline' }).click();
    await prompt(bobA).waitFor({ state: 'detached', timeout: 10_000 });
    await ann.getByRole('alert').getByText('Bob declined the call.').waitFor({ timeout: 10_000 });
    await ann.waitForURL(`**/dm/${bobA.username}`, { timeout: 10_000 });
    await entryIn(ann, 'Declined');
    await entryIn(bobA, 'Declined');
    noProblems();
  }, 60_000);

  it('cancelling stops the ringing on both of Bob’s tabs; Ann’s thread says “Cancelled”, Bob’s “Missed call”', async () => {
    await annCalls();
    await bothRing();
    await ann.getByRole('button', { name: 'Cancel' }).click();
    await ann.waitForURL(`**/dm/${bobA.username}`);
    for (const page of [bobA, bobB]) await prompt(page).waitFor({ state: 'detached', timeout: 10_000 });
    await entryIn(ann, 'Cancelled');
    // Bob reads his thread (bobA shows it): the missed call is there.
    await entryIn(bobA, 'Missed call');
    noProblems();
  }, 60_000);

  it('reloading the tab that calls keeps it ringing; closing it stops the ringing on both of Bob’s tabs, and Bob finds “Missed call”', async () => {
    const annTab = (await ann.context().newPage()) as UserPage;
    Object.assign(annTab, { problems: [] as string[], username: ann.username });
    await annCalls(annTab);
    await bothRing();
    // Long enough for the server to have seen Ann in the call's room (it looks about every second).
    await annTab.waitForTimeout(2500);
    // A reload is not a close: the tab is back in the room within the grace, and it still rings.
    await annTab.reload();
    await annTab.getByRole('button', { name: 'Cancel' }).waitFor();
    await annTab.waitForTimeout(7000);
    for (const page of [bobA, bobB]) await prompt(page).getByRole('button', { name: 'Accept' }).waitFor({ timeout: 1000 });
    const closed = Date.now();
    await annTab.close();
    for (const page of [bobA, bobB]) await prompt(page).waitFor({ state: 'detached', timeout: 20_000 });
    // 5 s of grace (a reload comes back within it), then the next look at the room.
    expect(Date.now() - closed).toBeLessThan(12_000);
    await bobA.goto(`/dm/${ann.username}`);
    await entryIn(bobA, 'Missed call');
    if (!ann.url().endsWith(`/dm/${bobA.username}`)) await ann.goto(`/dm/${bobA.username}`);
    await entryIn(ann, 'Cancelled');
    noProblems();
  }, 60_000);

  it('no answer: Ann hears “No answer”; Bob finds “Missed call”, counted unread, with a toast on another screen', async () => {
    await bobA.goto('/');
    await bobA.getByRole('banner').getByRole('link', { name: 'Messages', exact: true }).waitFor({ timeout: 10_000 });
    // Through process B, whose calls ring for 3 s.
    const annB = (await ann.context().newPage()) as UserPage;
    Object.assign(annB, { problems: [] as string[], username: ann.username });
    await annCalls(annB, b);
    await bothRing();
    await annB
      .getByRole('alert')
      .getByText(/No answer/)
      .waitFor({ timeout: 15_000 });
    for (const page of [bobA, bobB]) await prompt(page).waitFor({ state: 'detached', timeout: 10_000 });
    await annB.waitForURL(`**/dm/${bobA.username}`, { timeout: 10_000 });
    await entryIn(annB, 'No answer');

    await bobA.getByRole('link', { name: 'Messages, 1 unread' }).waitFor({ timeout: 10_000 });
    await bobA
      .getByRole('status')
      .getByRole('link', { name: /Missed call from Ann/ })
      .waitFor();
    await bobA.goto(`/dm/${ann.username}`);
    await entryIn(bobA, 'Missed call');
    await bobA.getByRole('banner').getByRole('link', { name: 'Messages', exact: true }).waitFor({ timeout: 10_000 });
    await annB.close();
    noProblems();
  }, 60_000);

  it('Call is disabled, with the reason, for someone you blocked; someone who blocked you cannot be rung', async () => {
    await bobA.goto(`/dm/${ann.username}`);
    await bobA.getByRole('button', { name: 'Block', exact: true }).click();
    await waitFor('Call is disabled', async () => await callButton(bobA).isDisabled(), 10_000);
    await bobA.getByText(`Unblock @${ann.username} to call them.`).waitFor();

    await ann.goto(`/dm/${bobA.username}`);
    await callButton(ann).click();
    await ann.getByText(`You can’t call @${bobA.username}.`).waitFor({ timeout: 10_000 });
    expect(ann.url()).toMatch(new RegExp(`/dm/${bobA.username}$`));
    expect(await prompt(bobA).count()).toBe(0);
    await bobA.getByRole('button', { name: 'Unblock', exact: true }).click();
    await waitFor('Call is enabled again', async () => !(await callButton(bobA).isDisabled()), 20_000);
    noProblems();
  }, 60_000);

  it('a call that ended while Bob’s tab was away is over when the tab comes back (it was kept in sessionStorage)', async () => {
    await bobA.goto('/');
    await annCalls();
    await prompt(bobA).getByRole('button', { name: 'Accept' }).click();
    await connectedTo(bobA, 1);
    // Bob's tab leaves Parley; Ann hangs up meanwhile, so the tab never hears the call end.
    await bobA.goto('about:blank');
    await ann.getByRole('button', { name: 'Leave call' }).click();
    await ann.waitForURL(`**/dm/${bobA.username}`);
    await bobA.goto(`${a.baseUrl}/dm/${ann.username}`);
    // Its room is gone, so the call is: Call is offered again, and no call bar.
    await waitFor('Call is enabled', async () => (await callButton(bobA).count()) === 1 && !(await callButton(bobA).isDisabled()), 20_000);
    expect(await bobA.getByRole('region', { name: 'Ongoing call' }).count()).toBe(0);
    noProblems();
  }, 60_000);
});
