import { describe, expect, it } from 'vitest';
import { seriousViolations, openPage, signUp, useBrowserAndServer, type UserPage } from './browser.js';

const env = useBrowserAndServer();
const PHONE = { width: 390, height: 844 };

/** True when nothing on the page is wider than the viewport (no sideways scrolling). */
const noOverflow = (page: UserPage) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** The top edges of the header's visible pieces: one row means they all start at about the same height. */
async function headerTops(page: UserPage): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('header.top > a, header.top nav > *')]
      .map((el) => el.getBoundingClientRect())
      .filter((r) => r.width > 1 && r.height > 1)
      .map((r) => r.top + r.height / 2),
  );
}

/** Heights of the visible buttons and links in the header and in forms on this screen. */
async function shortControls(page: UserPage): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('header.top a, header.top button, form button, form input:not([type=checkbox])')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 1 && r.height > 1 && r.height < 44)
      .map(({ el, r }) => `${el.tagName} "${el.textContent?.trim() || el.getAttribute('aria-label') || el.getAttribute('name')}" ${r.height}px`),
  );
}

describe('phone layout', () => {
  it('at 390×844: the header is one row, nothing scrolls sideways, controls are 44 px, /dm splits into list and thread', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(bob, 'bob', 'Bob with a fairly long display name');
    await ann.setViewportSize(PHONE);
    await signUp(ann, 'ann', 'Ann with a fairly long display name');

    const tops = await headerTops(ann);
    expect(tops.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...tops) - Math.min(...tops), `header centres ${tops}`).toBeLessThanOrEqual(6);
    for (const name of ['Rooms', 'Messages', 'Log out'])
      await expect(ann.getByRole(name === 'Log out' ? 'button' : 'link', { name, exact: true }).isVisible()).resolves.toBe(true);
    // No unread messages: no "0" badge either.
    expect(await ann.locator('.messages-link .badge').isVisible()).toBe(false);
    expect(await noOverflow(ann), 'Home overflows').toBe(true);
    expect(await shortControls(ann)).toEqual([]);

    await ann.getByRole('link', { name: 'Messages', exact: true }).click();
    await ann.getByRole('heading', { name: 'Conversations' }).waitFor();
    expect(await noOverflow(ann), 'Messages overflows').toBe(true);
    expect(await shortControls(ann)).toEqual([]);

    await ann.goto(`/dm/${bob.username}`);
    const input = ann.getByLabel('Message', { exact: true });
    await input.fill(`a long message without spaces: ${'x'.repeat(200)}`);
    await input.press('Enter');
    await ann.getByRole('log', { name: 'Messages' }).getByText('Sent', { exact: true }).waitFor();
    // The thread alone: the conversation list is hidden, a back link leads to it.
    expect(await ann.getByRole('heading', { name: 'Conversations' }).isVisible()).toBe(false);
    expect(await noOverflow(ann), 'a thread overflows').toBe(true);
    expect(await shortControls(ann)).toEqual([]);
    await ann.getByRole('link', { name: 'Conversations', exact: true }).click();
    await ann.waitForURL('**/dm');
    await ann.getByRole('heading', { name: 'Conversations' }).waitFor();
    expect(await ann.getByRole('link', { name: new RegExp(bob.username) }).isVisible()).toBe(true);
    expect(await ann.getByLabel('Message', { exact: true }).count()).toBe(0);

    // At desktop width both show side by side, and no back link.
    await ann.setViewportSize({ width: 1280, height: 800 });
    await ann.goto(`/dm/${bob.username}`);
    await ann.getByRole('log', { name: 'Messages' }).getByText('Sent', { exact: true }).waitFor();
    expect(await ann.getByRole('heading', { name: 'Conversations' }).isVisible()).toBe(true);
    expect(await ann.getByRole('link', { name: 'Conversations', exact: true }).isVisible()).toBe(false);
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);
});

describe('dark mode', () => {
  it('follows the system: a dark background, and axe finds no serious contrast problem', async () => {
    const page = await openPage(env.browser, env.server, { bypassCSP: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await signUp(page, 'dark');
    const luminance = await page.evaluate(() => {
      const [r, g, b] = getComputedStyle(document.body)
        .backgroundColor.match(/\d+(\.\d+)?/g)!
        .map(Number)
        .map((c) => c / 255);
      const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
    });
    expect(luminance).toBeLessThan(0.05);
    expect(await seriousViolations(page), 'home').toEqual([]);
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    expect(await seriousViolations(page), 'messages').toEqual([]);
    await page.setViewportSize(PHONE);
    expect(await seriousViolations(page), 'messages at phone width').toEqual([]);
    // A thread: the tinted bubbles with their times and "Sent"/"Seen" keep their contrast too.
    const friend = await openPage(env.browser, env.server);
    await signUp(friend, 'friend');
    await page.goto(`/dm/${friend.username}`);
    await page.getByLabel('Message', { exact: true }).fill('hello in the dark');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.getByRole('log', { name: 'Messages' }).getByText('Sent', { exact: true }).waitFor();
    expect(await seriousViolations(page), 'a thread at phone width').toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await seriousViolations(page), 'a thread at desktop width').toEqual([]);
    await friend.context().close();
    await page.context().close();
  }, 60_000);
});
