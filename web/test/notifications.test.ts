import { describe, expect, it } from 'vitest';
import { openPage, signUp, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * What a new DM does outside its thread: the unread count on "Messages" and
 * in the title on every screen, a toast that leads to the thread, a sound
 * that can be turned off, desktop notifications once turned on while the
 * page is hidden; and "Seen", which comes with the history after a reload.
 */
const env = useBrowserAndServer();

const messagesLink = (page: UserPage) => page.getByRole('banner').getByRole('link', { name: /^Messages/ });

/** Bob writes to Ann from his DM screen. */
async function write(from: UserPage, to: string, text: string) {
  if (!from.url().endsWith(`/dm/${to}`)) await from.goto(`/dm/${to}`);
  const box = from.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await from.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true }).waitFor();
}

async function annAndBob() {
  const ann = await openPage(env.browser, env.server);
  const bob = await openPage(env.browser, env.server);
  await signUp(ann, 'ann', 'Ann');
  await signUp(bob, 'bob', 'Bob');
  return { ann, bob };
}

async function close(...pages: UserPage[]) {
  expect(pages.flatMap((p) => p.problems)).toEqual([]);
  for (const p of pages) await p.context().close();
}

describe('new DMs outside their thread', () => {
  it('counts unread on Messages and in the title while Ann is in a room, shows a toast that leads to the thread, and clears once read', async () => {
    const { ann, bob } = await annAndBob();
    const room = `notify-${Math.random().toString(36).slice(2, 10)}`;
    await ann.getByLabel('Room name').fill(room);
    await ann.getByRole('button', { name: 'Create room' }).click();
    await ann.waitForURL(`**/r/${room}`);
    expect(await messagesLink(ann).getAttribute('aria-label')).toBeNull();

    await write(bob, ann.username, 'are you there?');
    await ann.getByRole('link', { name: 'Messages, 1 unread' }).waitFor({ timeout: 15_000 });
    await waitFor('the title counts it', async () => (await ann.title()).startsWith('(1) '), 5000);
    const toast = ann.getByRole('status').getByRole('link', { name: /New message from Bob/ });
    await toast.getByText('are you there?').waitFor();
    // The toast covers none of the room's controls (the chat's Send, the control bar, Join call).
    const covered = await ann.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.room-screen button, .room-screen textarea, .room-screen input')]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => {
          const r = el.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return !(hit && el.contains(hit)) && !(hit instanceof HTMLLabelElement);
        })
        .map((el) => el.getAttribute('aria-label') ?? el.textContent),
    );
    expect(covered).toEqual([]);

    await write(bob, ann.username, 'hello?');
    await ann.getByRole('link', { name: 'Messages, 2 unread' }).waitFor({ timeout: 15_000 });
    await waitFor('the title counts both', async () => (await ann.title()).startsWith('(2) '), 5000);
    // One toast per person: the newer message replaces the older.
    expect(
      await ann
        .getByRole('status')
        .getByRole('link', { name: /New message from Bob/ })
        .count(),
    ).toBe(1);

    await toast.click();
    await ann.waitForURL(`**/dm/${bob.username}`);
    await ann.getByRole('log', { name: 'Messages' }).getByText('hello?', { exact: true }).waitFor();
    await ann.getByRole('banner').getByRole('link', { name: 'Messages', exact: true }).waitFor({ timeout: 15_000 });
    await waitFor('the title has no count', async () => !(await ann.title()).startsWith('('), 5000);
    expect(
      await ann
        .getByRole('status')
        .getByRole('link', { name: /New message from/ })
        .count(),
    ).toBe(0);
    await close(ann, bob);
  }, 60_000);

  it('a toast can be dismissed, and none shows on the DM screen', async () => {
    const { ann, bob } = await annAndBob();
    await write(bob, ann.username, 'first');
    await ann.getByRole('button', { name: 'Dismiss message from Bob' }).click();
    await ann
      .getByRole('status')
      .getByRole('link', { name: /New message from/ })
      .waitFor({ state: 'detached' });
    await ann.goto('/dm');
    await write(bob, ann.username, 'second');
    await ann.getByRole('link', { name: 'Messages, 2 unread' }).waitFor({ timeout: 15_000 });
    expect(
      await ann
        .getByRole('status')
        .getByRole('link', { name: /New message from/ })
        .count(),
    ).toBe(0);
    await close(ann, bob);
  }, 60_000);

  it('plays a sound unless turned off, and the choice survives a reload', async () => {
    const { ann, bob } = await annAndBob();
    // Every note played is an oscillator started: count them.
    await ann.context().addInitScript(() => {
      const w = window as unknown as { __notes: number };
      w.__notes = 0;
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (...args: Parameters<typeof start>) {
        w.__notes += 1;
        return start.apply(this, args);
      };
    });
    await ann.reload();
    await ann.getByRole('heading', { name: /^Hello, / }).waitFor();
    const notes = () => ann.evaluate(() => (window as unknown as { __notes: number }).__notes);
    await write(bob, ann.username, 'ding');
    await waitFor('a sound plays', async () => (await notes()) > 0, 15_000);

    await ann.goto('/dm');
    const sound = ann.getByRole('checkbox', { name: 'Play a sound' });
    expect(await sound.isChecked()).toBe(true);
    await sound.uncheck();
    await ann.reload();
    expect(await ann.getByRole('checkbox', { name: 'Play a sound' }).isChecked()).toBe(false);
    await ann.goto('/');
    await ann.getByRole('heading', { name: /^Hello, / }).waitFor();
    await write(bob, ann.username, 'quiet');
    await ann.getByRole('link', { name: 'Messages, 2 unread' }).waitFor({ timeout: 15_000 });
    expect(await notes()).toBe(0);
    await close(ann, bob);
  }, 60_000);

  it('shows a desktop notification while the page is hidden, once turned on with a click', async () => {
    const { ann, bob } = await annAndBob();
    await ann.context().grantPermissions(['notifications']);
    // Records each Notification made, and lets the test hide the page.
    await ann.context().addInitScript(() => {
      const w = window as unknown as { __shown: Array<{ title: string; body?: string }>; __made: Notification[]; __asked: number; __hidden: boolean };
      w.__shown = [];
      w.__made = [];
      w.__asked = 0;
      w.__hidden = false;
      const Real = window.Notification;
      class Recorded extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          w.__shown.push({ title, body: options?.body });
          w.__made.push(this);
        }
        static override requestPermission(...args: Parameters<typeof Real.requestPermission>) {
          w.__asked += 1;
          return Real.requestPermission(...args);
        }
      }
      window.Notification = Recorded as typeof Notification;
      Object.defineProperty(Document.prototype, 'visibilityState', { get: () => (w.__hidden ? 'hidden' : 'visible') });
      Object.defineProperty(Document.prototype, 'hidden', { get: () => w.__hidden });
    });
    const hide = (hidden: boolean) =>
      ann.evaluate((h) => {
        (window as unknown as { __hidden: boolean }).__hidden = h;
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    const shown = () => ann.evaluate(() => (window as unknown as { __shown: Array<{ title: string; body?: string }> }).__shown);
    await ann.goto('/dm');
    const toggle = ann.getByRole('checkbox', { name: /Desktop notifications/ });
    expect(await toggle.isChecked()).toBe(false);

    // Not turned on: nothing, even hidden.
    await hide(true);
    await write(bob, ann.username, 'before');
    await ann.getByRole('link', { name: 'Messages, 1 unread' }).waitFor({ timeout: 15_000 });
    expect(await shown()).toEqual([]);
    await hide(false);

    await toggle.check();
    expect(await toggle.isChecked()).toBe(true);
    // Visible: no notification.
    await write(bob, ann.username, 'while visible');
    await ann.getByRole('link', { name: 'Messages, 2 unread' }).waitFor({ timeout: 15_000 });
    expect(await shown()).toEqual([]);

    await hide(true);
    await write(bob, ann.username, 'while hidden');
    await waitFor('a notification is shown', async () => (await shown()).length === 1, 5000);
    expect((await shown())[0]).toEqual({ title: `Bob (@${bob.username})`, body: 'while hidden' });
    // Clicking it (the browser calls its onclick) opens that conversation.
    await ann.evaluate(() => {
      const made = (window as unknown as { __made: Notification[] }).__made;
      made[made.length - 1]!.onclick?.(new Event('click'));
    });
    await ann.waitForURL(`**/dm/${bob.username}`);
    await ann.getByRole('log', { name: 'Messages' }).getByText('while hidden').waitFor();
    // Stays on after a reload.
    await hide(false);
    await ann.reload();
    expect(await ann.getByRole('checkbox', { name: /Desktop notifications/ }).isChecked()).toBe(true);
    await close(ann, bob);
  }, 60_000);
});

describe('the unread count', () => {
  it('keeps a message that arrives while the conversation list is being fetched', async () => {
    const { ann, bob } = await annAndBob();
    await write(bob, ann.username, 'one');
    await ann.getByRole('link', { name: 'Messages, 1 unread' }).waitFor({ timeout: 15_000 });

    // After a reload Ann's page asks for the list twice (on start, and when its socket connects).
    // The second answer is read from the database now, before Bob's next message is stored, and
    // held back until that message has reached Ann's page: the answer is older than the page.
    let requests = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    await ann.route('**/api/dm/conversations', async (route) => {
      requests += 1;
      if (requests !== 2) return route.continue();
      const response = await route.fetch();
      held();
      await released;
      await route.fulfill({ response });
    });
    await ann.reload();
    await holding;
    await write(bob, ann.username, 'two');
    await ann.getByRole('link', { name: 'Messages, 2 unread' }).waitFor({ timeout: 15_000 });
    release();
    await waitFor('the held answer has been applied', async () => requests >= 2, 5000);
    // Give the stale answer every chance to overwrite the count.
    await ann.waitForTimeout(1000);
    expect(await messagesLink(ann).getAttribute('aria-label')).toBe('Messages, 2 unread');
    await ann.unroute('**/api/dm/conversations');
    await close(ann, bob);
  }, 60_000);
});

describe('Seen', () => {
  it('is shown after a reload and in a new tab', async () => {
    const { ann, bob } = await annAndBob();
    await write(ann, bob.username, 'did you read this?');
    await bob.goto(`/dm/${ann.username}`);
    await bob.getByRole('log', { name: 'Messages' }).getByText('did you read this?').waitFor();
    const seen = (p: UserPage) => p.getByRole('log', { name: 'Messages' }).locator('li.mine .state').getByText('Seen', { exact: true });
    await seen(ann).waitFor({ timeout: 15_000 });

    await ann.reload();
    await ann.getByRole('log', { name: 'Messages' }).getByText('did you read this?').waitFor();
    await seen(ann).waitFor({ timeout: 15_000 });

    const tab = (await ann.context().newPage()) as UserPage;
    tab.problems = [];
    await tab.goto(`/dm/${bob.username}`);
    await seen(tab).waitFor({ timeout: 15_000 });
    await close(ann, bob);
  }, 60_000);
});
