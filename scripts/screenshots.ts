/**
 * Pictures of every screen for the README and for review: sign-in, Home, Messages, a room before
 * joining and with two people in a call (on a phone also its chat; with a screen presented; with
 * cameras on; a file offered and arrived), a call from a conversation
 * (ringing, calling, in the call, its line in the thread), an invite (the dialog, the card in the
 * conversation), at desktop (1280×800) and
 * phone (390×844) width, in light and dark.
 * Starts its own Parley on loopback (a scratch database, dropped afterwards) and drives
 * Debian's Chromium with fake devices, as the browser tests do. PNGs at device scale 1 go to
 * docs/screenshots/<screen>-<width>-<theme>.png.
 *
 *   npm run screenshots        (needs MySQL, Redis and /usr/bin/chromium; builds the web client first)
 */
import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { launchBrowser } from '../web/test/browser.js';
import { startParley } from '../bench/lib.js';

const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const THEMES = ['light', 'dark'] as const;
const WAIT_MS = 20_000;

await build({ configFile: new URL('../web/vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
await mkdir(OUT, { recursive: true });
const tag = /^[a-z0-9]{1,16}$/.test(process.env.TEST_RUN_TAG ?? '') ? `_${process.env.TEST_RUN_TAG}` : '';
const parley = await startParley(`parley_screenshots${tag}`, {}, { browserOrigin: true });
const browser = await launchBrowser();
const problems: string[] = [];

/** A person with a browser context of their own, signed up through the API. */
async function person(username: string, displayName: string): Promise<Page> {
  const context: BrowserContext = await browser.newContext({ baseURL: parley.base, permissions: ['microphone', 'camera'], deviceScaleFactor: 1 });
  const res = await context.request.post('/api/auth/signup', {
    data: { username, password: 'correct horse battery', displayName },
    headers: { origin: parley.base },
  });
  if (!res.ok()) throw new Error(`signup ${username}: ${res.status()} ${await res.text()}`);
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`${username}: ${err.message}`));
  return page;
}

async function shoot(page: Page, screen: string, size: (typeof SIZES)[number], theme: string) {
  // Let fonts, transitions and the polite refreshes settle.
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(300);
  const path = `${OUT}${screen}-${size.name}-${theme}.png`;
  await page.screenshot({ path, fullPage: false });
  console.log(path);
}

try {
  const ann = await person('ann', 'Ann Lee');
  const bob = await person('bob', 'Bob Marley');
  const carol = await person('carol', 'Carol Ng');
  const signedOut = await (await browser.newContext({ baseURL: parley.base, deviceScaleFactor: 1 })).newPage();

  // Something to show: two rooms, a conversation, and Bob waiting in a call.
  for (const [name, extra] of [
    ['design-review', {}],
    ['friday-standup', { password: 'sesame12', capacity: 4 }],
  ] as const) {
    const res = await ann.context().request.post('/api/rooms', { data: { name, ...extra }, headers: { origin: parley.base } });
    if (!res.ok()) throw new Error(`create room: ${res.status()}`);
  }
  await ann.goto('/dm/bob');
  await bob.goto('/dm/ann');
  const say = async (page: Page, text: string) => {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.getByRole('log', { name: 'Messages' }).getByText(text).waitFor({ timeout: WAIT_MS });
  };
  await say(ann, 'Are you joining the design review?');
  await say(bob, 'Yes, in five minutes. Starting the call now.');
  await say(ann, 'Great, see you there.');
  await bob.goto('/r/design-review');
  await bob.getByRole('button', { name: 'Join call' }).click();
  await bob.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: WAIT_MS });

  for (const size of SIZES) {
    for (const theme of THEMES) {
      for (const page of [ann, signedOut]) {
        await page.setViewportSize({ width: size.width, height: size.height });
        await page.emulateMedia({ colorScheme: theme });
      }
      await signedOut.goto('/');
      await signedOut.getByRole('form', { name: 'Sign in' }).waitFor({ timeout: WAIT_MS });
      await shoot(signedOut, 'sign-in', size, theme);
      await signedOut
        .getByRole('button', { name: 'Create an account' })
        .or(signedOut.getByRole('link', { name: 'Create an account' }))
        .click();
      await signedOut.getByRole('form', { name: 'Create account' }).waitFor({ timeout: WAIT_MS });
      await shoot(signedOut, 'create-account', size, theme);

      await ann.goto('/');
      await ann.getByRole('region', { name: 'Rooms' }).getByRole('link', { name: 'design-review' }).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'home', size, theme);

      await ann.goto('/dm/bob');
      await ann.getByRole('log', { name: 'Messages' }).getByText('see you there').waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'messages', size, theme);
      await ann.goto('/dm');
      await ann.getByRole('heading', { name: 'Conversations' }).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'conversations', size, theme);

      await ann.goto('/settings');
      await ann.getByRole('heading', { name: 'Your sessions' }).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'settings', size, theme);

      // Carol opens a locked room by its link: she is asked for its password.
      await carol.setViewportSize({ width: size.width, height: size.height });
      await carol.emulateMedia({ colorScheme: theme });
      await carol.goto('/r/friday-standup');
      await carol.getByLabel('Room password').waitFor({ timeout: WAIT_MS });
      await shoot(carol, 'room-password', size, theme);

      await ann.goto('/r/design-review');
      await ann.getByText('Bob Marley is in the call.').waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'room', size, theme);
      await ann.getByRole('button', { name: 'Join call' }).click();
      await ann.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: WAIT_MS });
      await ann.waitForFunction(`window.__parley.stats().then((s) => s.length === 1 && s[0].state === 'connected')`, undefined, {
        timeout: WAIT_MS,
        polling: 100,
      });
      await shoot(ann, 'call', size, theme);
      // Bob turns his camera on and presents his screen: his screen is the large tile.
      await bob.getByRole('button', { name: 'Camera' }).click();
      await bob.getByRole('button', { name: 'Present' }).click();
      await ann.locator('figure.presentation video').waitFor({ timeout: WAIT_MS });
      await ann.waitForFunction(`window.__parley.stats().then((s) => s[0]?.framesDecoded > 30)`, undefined, { timeout: WAIT_MS, polling: 100 });
      await shoot(ann, 'call-presenting', size, theme);
      // He stops; with both cameras on, the tiles show them.
      await bob.getByRole('button', { name: 'Stop presenting' }).first().click();
      await ann.locator('figure.presentation').waitFor({ state: 'detached', timeout: WAIT_MS });
      await ann.getByRole('button', { name: 'Camera' }).click();
      await ann.locator('.call-stage li[data-video] video').nth(1).waitFor({ timeout: WAIT_MS });
      await ann.waitForTimeout(1000);
      await shoot(ann, 'call-camera', size, theme);
      await ann.getByRole('button', { name: 'Camera' }).click();
      await bob.getByRole('button', { name: 'Camera' }).click();
      // Bob sends Ann a file: she is asked first, then it arrives checked, ready to save.
      await bob.evaluate(() => {
        const input = document.querySelector<HTMLInputElement>('.control-bar input[type="file"]')!;
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(3_400_000)], 'design-notes.pdf', { type: 'application/pdf' }));
        input.files = dt.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      });
      const offer = ann.locator('.transfer', { hasText: 'design-notes.pdf' }).last();
      await offer.getByRole('button', { name: 'Accept design-notes.pdf' }).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'call-file-offer', size, theme);
      await offer.getByRole('button', { name: 'Accept design-notes.pdf' }).click();
      await offer.getByText(/Arrived intact/).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'call-file', size, theme);
      await offer.getByRole('button', { name: 'Remove design-notes.pdf from the list' }).click();
      await bob.locator('.transfer', { hasText: 'design-notes.pdf' }).getByRole('button', { name: 'Remove design-notes.pdf from the list' }).click();
      // The code both people compare (on a phone the button is on Bob's tile).
      await ann.getByRole('button', { name: 'Verify call with Bob Marley' }).first().click();
      await ann.getByRole('dialog').waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'call-code', size, theme);
      await ann.keyboard.press('Escape');
      // Mid-call: the Devices menu, then Home with the call bar, then another room's link (asks first).
      await ann.getByRole('button', { name: 'Devices' }).click();
      await ann.getByRole('dialog', { name: 'Microphone, camera and speaker' }).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'devices', size, theme);
      await ann.keyboard.press('Escape');
      await ann.getByRole('banner').getByRole('link', { name: 'Rooms' }).click();
      await ann.getByRole('region', { name: 'Ongoing call' }).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'home-in-call', size, theme);
      await ann.goto('/r/friday-standup');
      await ann.getByRole('button', { name: /Leave call and open/ }).waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'switch-room', size, theme);
      await ann
        .getByRole('link', { name: /Back to|design-review/ })
        .first()
        .click();
      await ann.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: WAIT_MS });
      if (size.name === 'phone') {
        // On a phone the chat is a view of its own, one tap from the control bar.
        await ann.getByRole('toolbar', { name: 'Call controls' }).getByRole('button', { name: 'Chat' }).click();
        await shoot(ann, 'call-chat', size, theme);
      }
      await ann.getByRole('button', { name: 'Leave call' }).click();
      await ann.getByRole('button', { name: 'Join call' }).waitFor({ timeout: WAIT_MS });

      // A call from a conversation: Carol calls Ann, who is on Home; Ann answers, then hangs up.
      await ann.goto('/');
      await carol.goto('/dm/ann');
      await carol
        .getByRole('main')
        .getByRole('button', { name: /^Call / })
        .click();
      const ringing = ann.getByRole('alertdialog', { name: 'Incoming call' });
      await ringing.waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'incoming-call', size, theme);
      await carol.getByText(/^Calling Ann Lee/).waitFor({ timeout: WAIT_MS });
      await shoot(carol, 'calling', size, theme);
      await ringing.getByRole('button', { name: 'Accept' }).click();
      await ann.waitForFunction(`window.__parley.stats().then((s) => s.length === 1 && s[0].state === 'connected')`, undefined, {
        timeout: WAIT_MS,
        polling: 100,
      });
      await shoot(ann, 'dm-call', size, theme);
      await ann.getByRole('button', { name: 'Leave call' }).click();
      await ann.waitForURL('**/dm/carol', { timeout: WAIT_MS });
      await ann
        .getByRole('log', { name: 'Messages' })
        .getByText(/^Call · /)
        .last()
        .waitFor({ timeout: WAIT_MS });
      await shoot(ann, 'call-history', size, theme);

      // An invite: from a room Ann invites Carol, whose conversation then holds it. (Not into the
      // locked room: with an invite, Carol would not be asked its password in the next round.)
      await ann.goto('/r/design-review');
      await ann.getByRole('button', { name: 'Invite' }).click();
      const invite = ann.getByRole('dialog', { name: /^Invite to / });
      await invite.getByLabel('Find people').fill('carol');
      await invite.getByRole('radio', { name: /@carol/ }).check();
      await shoot(ann, 'invite-dialog', size, theme);
      await invite.getByRole('button', { name: 'Send invite' }).click();
      await invite
        .getByRole('status')
        .getByText(/Invite sent/)
        .waitFor({ timeout: WAIT_MS });
      await ann.keyboard.press('Escape');
      await carol.goto('/dm/ann');
      await carol
        .getByRole('log', { name: 'Messages' })
        .getByRole('button', { name: /Join/ })
        .or(carol.getByRole('log', { name: 'Messages' }).getByRole('link', { name: /Join/ }))
        .last()
        .waitFor({ timeout: WAIT_MS });
      await shoot(carol, 'invite-card', size, theme);
    }
  }
  if (problems.length > 0) {
    console.error(`page errors:\n${problems.join('\n')}`);
    process.exitCode = 1;
  }
} catch (err) {
  if (problems.length > 0) console.error(`page errors:\n${problems.join('\n')}`);
  throw err;
} finally {
  await browser.close();
  await parley.stop();
}
