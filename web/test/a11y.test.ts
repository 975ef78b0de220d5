import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { installAxe, look, seriousFindings, settle, THEMES, WIDTHS, type Finding } from './a11y-audit.js';
import { connectedTo, openPage, signUp, useBrowserAndServer, type UserPage } from './browser.js';

/**
 * Issue 11's acceptance checks: on every screen and state, at 1280×800 and
 * 390×844, light and dark, axe finds no serious or critical violation, and no
 * page ever has a CSP violation or a page error. Screens are reached by their
 * routes and recognised by roles, landmarks and the words a person sees, so
 * the test survives the screens being rewritten.
 */

type ScreenName =
  | 'sign in'
  | 'sign in with errors'
  | 'create account'
  | 'home'
  | 'messages'
  | 'dm thread'
  | 'settings'
  | 'room password'
  | 'room full'
  | 'room before call'
  | 'room in call'
  | 'switch room'
  | 'home in call'
  | 'incoming call'
  | 'call from a conversation'
  | 'call code';

/**
 * Violations found on screens other branches are rewriting (i11-room: the room screens;
 * i11-screens: the shell, Home and Messages; i11-devices). They are printed but do not fail
 * the test. The lead empties this after merging those branches: each entry is one rule on one screen.
 */
const ALLOWED_UNTIL_OTHER_BRANCHES_MERGE: Array<{ rule: string; screen: ScreenName }> = [];

/** A11Y_SCREENSHOTS=<dir> saves every screen in every look there, to look at. */
const SCREENSHOTS = process.env.A11Y_SCREENSHOTS;
const env = useBrowserAndServer();
const rand = () => Math.random().toString(36).slice(2, 10);

/** The API as the page itself calls it (same origin, its cookies). */
async function call(page: UserPage, method: string, path: string, body?: unknown): Promise<number> {
  return page.evaluate(
    async ([method, path, body]) =>
      (
        await fetch(path as string, {
          method: method as string,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
      ).status,
    [method, path, body] as const,
  );
}

/** Client-side navigation, as a link inside the app does it (a reload would be a different case mid-call). */
async function go(page: UserPage, path: string) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/** Waits for the first visible match: a screen may keep a hidden copy (a list beside a thread on a phone). */
const shown = (l: Locator) => l.filter({ visible: true }).first().waitFor();

type Row = { screen: ScreenName; look: string; finding: Finding; allowed: boolean };

describe('accessibility and CSP on every screen (issue 11)', () => {
  it('the checks can fail: a nameless button and grey on grey are findings, an inline script a CSP problem', async () => {
    const probe = await openPage(env.browser, env.server);
    await installAxe(probe);
    await probe.goto('/');
    await probe.getByRole('form', { name: 'Sign in' }).waitFor();
    expect(probe.problems).toEqual([]);
    await probe.evaluate(() => {
      document.querySelector('main')!.append(Object.assign(document.createElement('button'), { id: 'a11y-probe' }));
      // Grey on grey, set through the CSSOM (which the CSP allows, unlike a style attribute).
      const faint = Object.assign(document.createElement('p'), { id: 'a11y-faint', textContent: 'Hard to read' });
      faint.style.color = '#999';
      faint.style.background = '#aaa';
      document.querySelector('main')!.append(faint);
    });
    const findings = await seriousFindings(probe);
    expect(findings.find((f) => f.rule === 'button-name')).toMatchObject({ impact: 'critical', targets: ['#a11y-probe'] });
    expect(findings.find((f) => f.rule === 'color-contrast')).toMatchObject({ impact: 'serious', targets: ['#a11y-faint'] });
    expect(probe.problems).toEqual([]);
    await probe.evaluate(() => document.head.append(Object.assign(document.createElement('script'), { textContent: 'window.__ran = 1' })));
    await expect.poll(() => probe.problems.some((p) => p.startsWith('csp:'))).toBe(true);
    expect(await probe.evaluate(() => (window as unknown as { __ran?: number }).__ran)).toBeUndefined();
    await probe.context().close();
  });

  it('axe finds no serious or critical violation at either width or theme, and no page has a CSP violation or a page error', async () => {
    const started = Date.now();
    const rows: Row[] = [];
    const problems: string[] = [];
    const pages: UserPage[] = [];
    const seen = new Map<UserPage, number>();
    const timings: string[] = [];

    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    pages.push(ann, bob);
    await installAxe(ann);

    /** Audits the screen Ann is on in all four looks, and files any page problems that appeared since the last audit under it. */
    async function audit(screen: ScreenName) {
      const settled = await settle(ann);
      const auditStart = Date.now();
      for (const width of WIDTHS) {
        for (const theme of THEMES) {
          await look(ann, width, theme);
          if (SCREENSHOTS) await ann.screenshot({ path: `${SCREENSHOTS}/${screen.replace(/ /g, '-')}-${width.name}-${theme}.png`, fullPage: true });
          for (const finding of await seriousFindings(ann)) {
            const allowed = ALLOWED_UNTIL_OTHER_BRANCHES_MERGE.some((a) => a.rule === finding.rule && a.screen === screen);
            rows.push({ screen, look: `${width.width}×${width.height} ${theme}`, finding, allowed });
          }
        }
      }
      timings.push(`${screen}: settled in ${Math.round(settled)} ms, audited in ${Date.now() - auditStart} ms`);
      for (const p of pages) {
        const from = seen.get(p) ?? 0;
        for (const problem of p.problems.slice(from)) problems.push(`${screen} (${p === ann ? 'Ann' : 'Bob'}): ${problem}`);
        seen.set(p, p.problems.length);
      }
    }

    const main = ann.getByRole('main');

    // ---- signed out --------------------------------------------------------------------
    await ann.goto('/');
    await ann.getByRole('form', { name: 'Sign in' }).waitFor();
    await audit('sign in');
    await ann.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await ann.getByRole('form', { name: 'Sign in' }).getByText('Enter your username.').waitFor();
    await audit('sign in with errors');
    await ann.getByRole('link', { name: 'Create an account' }).click();
    await ann.getByRole('form', { name: 'Create account' }).waitFor();
    await audit('create account');

    // ---- two people, three rooms, one conversation --------------------------------------
    await signUp(bob, 'bob', 'Bob');
    await signUp(ann, 'ann', 'Ann');
    const roomA = `a11y-a-${rand()}`;
    const roomB = `a11y-b-${rand()}`;
    const roomFull = `a11y-full-${rand()}`;
    expect(await call(ann, 'POST', '/api/rooms', { name: roomA })).toBe(201);
    expect(await call(bob, 'POST', '/api/rooms', { name: roomB, password: 'sesame12' })).toBe(201);
    expect(await call(bob, 'POST', '/api/rooms', { name: roomFull, capacity: 2 })).toBe(201);

    await ann.goto(`/dm/${bob.username}`);
    await ann.getByLabel('Message', { exact: true }).fill('Hello Bob, are you coming to the call?');
    await ann.getByLabel('Message', { exact: true }).press('Enter');
    await bob.goto(`/dm/${ann.username}`);
    await shown(bob.getByText('Hello Bob, are you coming to the call?'));
    await bob.getByLabel('Message', { exact: true }).fill('Yes, in a minute.');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await shown(main.getByText('Yes, in a minute.'));
    await audit('dm thread');

    await ann.goto('/dm');
    await shown(main.getByText(`@${bob.username}`));
    await audit('messages');

    await ann.goto('/');
    await shown(main.getByRole('link', { name: roomA }));
    await shown(main.getByText(`@${bob.username}`));
    await audit('home');

    await ann.goto('/settings');
    await main.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await main.getByText('This browser').waitFor();
    await audit('settings');

    // ---- a room's password prompt, and a full room -----------------------------------------
    await ann.goto(`/r/${roomB}`);
    await main.locator('input[type=password]').waitFor();
    await audit('room password');

    // Bob's one session holds both places in the room (two tabs' worth).
    expect(await call(bob, 'POST', `/api/rooms/${roomFull}/join`, {})).toBe(200);
    expect(await call(bob, 'POST', `/api/rooms/${roomFull}/join`, {})).toBe(200);
    await ann.goto(`/r/${roomFull}`);
    await main.getByRole('alert').filter({ hasText: /full/i }).waitFor();
    await audit('room full');

    // ---- a room: before the call, in a call with Bob connected -------------------------------
    await ann.goto(`/r/${roomA}`);
    await main.getByRole('button', { name: 'Join call' }).waitFor();
    await audit('room before call');

    await main.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).first().waitFor();
    await bob.goto(`/r/${roomA}`);
    await bob.getByRole('main').getByRole('button', { name: 'Join call' }).click();
    await bob.getByRole('button', { name: 'Leave call' }).first().waitFor();
    await connectedTo(ann, 1);
    await connectedTo(bob, 1);
    await audit('room in call');

    // ---- another room's link while in the call: the switch prompt; then Home with the call on ----
    await go(ann, `/r/${roomB}`);
    await main.getByRole('button', { name: new RegExp(roomB) }).waitFor();
    await audit('switch room');
    await go(ann, '/');
    await shown(main.getByRole('link', { name: roomA }));
    await connectedTo(ann, 1);
    await audit('home in call');

    // ---- Bob calls Ann from their conversation: her prompt (over Home, in a call), then the call ----
    await bob.getByRole('button', { name: 'Leave call' }).first().click();
    await bob.goto(`/dm/${ann.username}`);
    await bob
      .getByRole('main')
      .getByRole('button', { name: /^Call / })
      .click();
    await bob.waitForURL(/\/r\/call-/);
    await ann.getByRole('alertdialog', { name: 'Incoming call' }).getByText('Accepting ends your current call.').waitFor();
    await audit('incoming call');
    await ann.getByRole('alertdialog', { name: 'Incoming call' }).getByRole('button', { name: 'Accept' }).click();
    await main.getByRole('heading', { level: 1, name: /Call with Bob/ }).waitFor();
    await connectedTo(ann, 1);
    await connectedTo(bob, 1);
    await audit('call from a conversation');
    await ann.getByRole('toolbar', { name: 'Call controls' }).getByRole('button', { name: 'Verify call with Bob' }).click();
    await ann.getByRole('dialog', { name: 'Verify your call with Bob' }).getByRole('list', { name: 'Code' }).waitFor();
    await audit('call code');

    // ---- the verdict ---------------------------------------------------------------------------
    const line = (r: Row) => `${r.screen} @ ${r.look}: ${r.finding.rule} (${r.finding.impact}) ${r.finding.help} → ${r.finding.targets.join(' | ')}`;
    const allowed = rows.filter((r) => r.allowed);
    const failing = rows.filter((r) => !r.allowed);
    if (allowed.length > 0) console.warn(`allowed until the other branches merge (ALLOWED_UNTIL_OTHER_BRANCHES_MERGE):\n${allowed.map(line).join('\n')}`);
    const unused = ALLOWED_UNTIL_OTHER_BRANCHES_MERGE.filter((a) => !rows.some((r) => r.allowed && r.finding.rule === a.rule && r.screen === a.screen));
    if (unused.length > 0) console.warn(`allowlist entries not seen in this run (remove each once it is fixed on the merged tree): ${JSON.stringify(unused)}`);
    console.log(`a11y: 16 screens × 4 looks audited in ${((Date.now() - started) / 1000).toFixed(1)} s\n${timings.join('\n')}`);
    for (const p of pages) await p.context().close();
    expect(failing.map(line), 'serious or critical axe violations').toEqual([]);
    expect(problems, 'page errors and CSP violations').toEqual([]);
  }, 180_000);
});
