import { describe, expect, it } from 'vitest';
import { seriousViolations, connectedTo, openPage, signUp, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * The room screen as a call app: the control bar, focus around joining and leaving, presence per
 * person (two tabs are one entry), the pre-join screen's tab stops, a full locked room, and the
 * layout at desktop and phone width.
 */
const env = useBrowserAndServer();
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

const roomName = () => `screen-${Math.random().toString(36).slice(2, 10)}`;
const people = (page: UserPage) => page.getByRole('region', { name: 'People' });
const chatLog = (page: UserPage) => page.getByRole('log', { name: 'Room chat' });
const controls = (page: UserPage) => page.getByRole('toolbar', { name: 'Call controls' });

async function createRoom(page: UserPage, name = roomName()): Promise<string> {
  await page.getByLabel('Room name').fill(name);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('button', { name: 'Join call' }).waitFor();
  return name;
}

async function api(page: UserPage, method: string, path: string, body?: unknown): Promise<number> {
  return page.evaluate(
    async ([m, p, b]) =>
      (await fetch(p, { method: m, headers: { 'content-type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) })).status,
    [method, path, body] as const,
  );
}

/** What the focused element is called, as a screen reader would say it (enough of the name computation for controls). */
function focusedName(page: UserPage): Promise<{ tag: string; name: string; visible: boolean } | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    const byIds = (ids: string | null) =>
      (ids ?? '')
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' ');
    const labels = (el as HTMLInputElement).labels ? [...(el as HTMLInputElement).labels!].map((l) => l.textContent).join(' ') : '';
    const name = (
      el.getAttribute('aria-label') ||
      byIds(el.getAttribute('aria-labelledby')) ||
      labels ||
      el.textContent ||
      el.getAttribute('title') ||
      ''
    ).trim();
    const r = el.getBoundingClientRect();
    return { tag: el.tagName.toLowerCase(), name, visible: r.width > 0 && r.height > 0 };
  });
}

describe('the control bar', () => {
  it('has named icon buttons; mute is a pressed toggle the other side sees; leave is red; focus moves to Mute on joining and back to Join call on leaving', async () => {
    const ann = await openPage(env.browser, env.server, { bypassCSP: true });
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann', 'Ann');
    await signUp(bob, 'bob', 'Bob');
    const room = await createRoom(ann);
    await bob.goto(`/r/${room}`);
    await bob.getByRole('button', { name: 'Join call' }).click();
    await bob.getByRole('button', { name: 'Leave call' }).waitFor();

    await ann.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    // Focus did not fall to the page: it is on Mute, which took Join call's place.
    await waitFor('focus is on Mute', async () => (await focusedName(ann))?.name === 'Mute', 5000);
    await connectedTo(ann, 1);

    // Every button in the bar has a name in words, and a tooltip.
    const buttons = controls(ann).getByRole('button');
    const names = await buttons.evaluateAll((els) => els.map((el) => ({ text: el.textContent?.trim() ?? '', title: el.getAttribute('title') ?? '' })));
    expect(names.map((n) => n.text.replace(/\d+$/, ''))).toEqual([
      'Mute',
      'Devices',
      'Camera',
      'Present',
      'Verify call with Bob',
      'Send a file to everyone in the call',
      'Leave call',
      'People',
      'Chat',
    ]);
    for (const n of names) expect(n.title).not.toBe('');
    await controls(ann).getByRole('timer', { name: 'Time in call' }).waitFor();

    const mute = controls(ann).getByRole('button', { name: 'Mute', exact: true });
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    await mute.click();
    const unmute = controls(ann).getByRole('button', { name: 'Unmute', exact: true });
    expect(await unmute.getAttribute('aria-pressed')).toBe('true');
    await people(bob).getByRole('listitem').filter({ hasText: 'Ann' }).getByRole('img', { name: 'Muted' }).waitFor();
    await bob
      .getByRole('list', { name: 'In the call', exact: true })
      .getByRole('listitem', { name: 'Ann' })
      .getByRole('img', { name: 'Microphone off' })
      .waitFor();
    await unmute.click();
    await people(bob).getByRole('img', { name: 'Muted' }).waitFor({ state: 'detached' });

    // Devices opens the microphone choice, a named select with options.
    await controls(ann).getByRole('button', { name: 'Devices' }).click();
    const mic = ann.getByLabel('Microphone', { exact: true });
    await mic.locator('option').first().waitFor({ state: 'attached' });
    await ann.keyboard.press('Escape');
    await mic.waitFor({ state: 'detached' });

    // Leave is red: its background is the danger colour.
    const leave = controls(ann).getByRole('button', { name: 'Leave call' });
    const [bg, danger] = await leave.evaluate((el) => [
      getComputedStyle(el).backgroundColor,
      getComputedStyle(document.documentElement).getPropertyValue('--danger').trim(),
    ]);
    const probe = await ann.evaluate((c) => {
      const d = document.createElement('div');
      d.style.color = c;
      document.body.append(d);
      const rgb = getComputedStyle(d).color;
      d.remove();
      return rgb;
    }, danger);
    expect(bg).toBe(probe);
    expect(await seriousViolations(ann), 'in a call').toEqual([]);

    await leave.click();
    await ann.getByRole('button', { name: 'Join call' }).waitFor();
    await waitFor('focus is back on Join call', async () => (await focusedName(ann))?.name === 'Join call', 5000);
    await chatLog(bob)
      .getByText(/^Ann \(@ann[^)]*\) left the call\.$/)
      .waitFor();
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 90_000);
});

describe('presence', () => {
  it('shows a person with two tabs once, in the call when one tab is; a second tab makes no noise; joining and leaving the call have lines of their own', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann', 'Ann');
    await signUp(bob, 'bob', 'Bob');
    const room = await createRoom(ann);
    await bob.goto(`/r/${room}`);
    const annEntry = people(bob)
      .getByRole('listitem')
      .filter({ hasText: `@${ann.username}` });
    await annEntry.waitFor();

    // Ann opens the room in a second tab (same browser, same account).
    const ann2 = (await ann.context().newPage()) as UserPage;
    ann2.problems = [];
    ann2.on('pageerror', (err) => ann2.problems.push(err.message));
    await ann2.goto(`/r/${room}`);
    await ann2.getByRole('button', { name: 'Join call' }).waitFor();
    await annEntry.getByText('2 tabs').waitFor();
    expect(await annEntry.count()).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await chatLog(bob).getByText(`@${ann.username}) entered the room.`).count()).toBe(0);

    // One of Ann's tabs joins the call: Ann (once) is in the call; Bob alone is only in the room.
    await ann2.getByRole('button', { name: 'Join call' }).click();
    await ann2.getByRole('button', { name: 'Leave call' }).waitFor();
    await chatLog(bob).getByText(`Ann (@${ann.username}) joined the call.`).waitFor();
    await people(bob).getByRole('heading', { name: 'In the call (1)' }).waitFor();
    await people(bob).getByRole('heading', { name: 'In the room (1)' }).waitFor();
    expect(await people(bob).getByRole('list', { name: 'In the call (1)' }).getByText(`@${ann.username}`).count()).toBe(1);
    expect(await people(bob).getByRole('list', { name: 'In the room (1)' }).getByText(`@${bob.username}`).count()).toBe(1);
    // Ann's other tab is not in the call, but Ann is: her first tab's panel says so too.
    await people(ann).getByRole('list', { name: 'In the call (1)' }).getByText('(you)').waitFor();
    // The pre-join card says who is in the call.
    await bob.getByText('Ann is in the call.').waitFor();

    await ann2.getByRole('button', { name: 'Leave call' }).click();
    await chatLog(bob).getByText(`Ann (@${ann.username}) left the call.`).waitFor();
    await people(bob).getByRole('heading', { name: 'In the call (0)' }).waitFor();

    // Closing the second tab: Ann is still here, so nobody is told she left.
    await ann2.close();
    await annEntry.getByText('2 tabs').waitFor({ state: 'detached', timeout: 25_000 });
    expect(await annEntry.count()).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await chatLog(bob).getByText(`@${ann.username}) left the room.`).count()).toBe(0);
    expect([...ann.problems, ...ann2.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 90_000);
});

describe('before joining', () => {
  it('has no empty Microphone field (the device check lists the microphones), and every tab stop is a visible control with a name; the heading has no focus ring', async () => {
    const ann = await openPage(env.browser, env.server);
    await signUp(ann, 'ann', 'Ann');
    const room = await createRoom(ann);
    await ann.goto(`/r/${room}`);
    await ann.getByRole('button', { name: 'Join call' }).waitFor();
    // The shell focused the heading for screen readers: no ring drawn around it.
    const h1 = ann.getByRole('heading', { level: 1, name: room });
    expect(await h1.evaluate((el) => document.activeElement === el && getComputedStyle(el).outlineStyle)).toBe('none');
    // The device check's Microphone choice, when shown, is a visible select with named options.
    const mic = ann.getByLabel('Microphone', { exact: true });
    await mic.waitFor();
    expect(await mic.locator('option').evaluateAll((os) => os.length > 0 && os.every((o) => o.textContent!.trim() !== ''))).toBe(true);

    const seen: string[] = [];
    for (let i = 0; i < 25; i++) {
      await ann.keyboard.press('Tab');
      const f = await focusedName(ann);
      if (!f) break;
      expect(f.name, `tab stop ${i} (${f.tag})`).not.toBe('');
      expect(f.visible, `tab stop ${i} (${f.name})`).toBe(true);
      if (seen.includes(f.name)) break;
      seen.push(f.name);
    }
    for (const name of ['Join call', 'Copy link', 'Delete room', 'Room chat', 'Message', 'Send'])
      expect(
        seen.some((s) => s.includes(name)),
        `${name} in ${seen.join(' | ')}`,
      ).toBe(true);
    expect(ann.problems).toEqual([]);
    await ann.context().close();
  }, 60_000);

  it('says a full password-locked room opened by its link is full, without asking for the password', async () => {
    const [ann, bob, carol] = await Promise.all([0, 1, 2].map(() => openPage(env.browser, env.server)));
    await signUp(ann!, 'ann');
    await signUp(bob!, 'bob');
    await signUp(carol!, 'carol');
    const room = roomName();
    expect(await api(ann!, 'POST', '/api/rooms', { name: room, password: 'sesame12', capacity: 2 })).toBe(201);
    expect(await api(ann!, 'POST', `/api/rooms/${room}/join`, {})).toBe(200);
    expect(await api(bob!, 'POST', `/api/rooms/${room}/join`, { password: 'sesame12' })).toBe(200);
    await carol!.goto(`/r/${room}`);
    await carol!.getByRole('alert').getByText(`“${room}” is full`).waitFor();
    expect(await carol!.getByLabel('Room password').count()).toBe(0);
    for (const p of [ann!, bob!, carol!]) await p.context().close();
  }, 60_000);
});

describe('layout', () => {
  it('at 1280×800 the stage fills the window below the heading; the page does not scroll', async () => {
    const ann = await openPage(env.browser, env.server);
    await ann.setViewportSize(DESKTOP);
    await signUp(ann, 'ann', 'Ann');
    await createRoom(ann);
    for (const inCall of [false, true]) {
      if (inCall) {
        await ann.getByRole('button', { name: 'Join call' }).click();
        await ann.getByRole('button', { name: 'Leave call' }).waitFor();
      }
      const m = await ann.evaluate(() => ({
        stage: document.querySelector('.room-stage')!.getBoundingClientRect().height,
        chat: document.querySelector('.room-chat')!.getBoundingClientRect().height,
        page: document.documentElement.scrollHeight,
        inner: window.innerHeight,
        wide: document.documentElement.scrollWidth <= window.innerWidth,
      }));
      expect(m.stage, `stage height, in call: ${inCall}`).toBeGreaterThan(0.7 * DESKTOP.height);
      expect(m.chat).toBeGreaterThan(250);
      expect(m.page).toBeLessThanOrEqual(m.inner);
      expect(m.wide).toBe(true);
    }
    await ann.context().close();
  }, 60_000);

  it('at 390×844 one tap shows the chat with its field in view, with no scrolling, and the control bar stays', async () => {
    const ann = await openPage(env.browser, env.server, { bypassCSP: true });
    const bob = await openPage(env.browser, env.server);
    await ann.setViewportSize(PHONE);
    await signUp(ann, 'ann', 'Ann');
    await signUp(bob, 'bob', 'Bob');
    await createRoom(ann);
    await ann.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    // The stage first; the chat is behind its button, which counts what came in meanwhile.
    expect(await ann.getByLabel('Message', { exact: true }).isVisible()).toBe(false);
    const chat = controls(ann).getByRole('button', { name: 'Chat' });
    expect(await chat.getAttribute('aria-expanded')).toBe('false');
    await bob.goto(ann.url());
    await bob.getByLabel('Message', { exact: true }).fill('hello Ann');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await controls(ann).getByRole('button', { name: 'Chat, 1 new' }).waitFor();
    await chat.click();
    await controls(ann).getByRole('button', { name: 'Chat', exact: true }).waitFor();
    await chatLog(ann).getByText('hello Ann').waitFor();
    expect(await chat.getAttribute('aria-expanded')).toBe('true');
    const field = ann.getByLabel('Message', { exact: true });
    await field.waitFor();
    const inView = async (selector: string) =>
      ann.evaluate((s) => {
        const r = document.querySelector(s)!.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth && r.height > 0;
      }, selector);
    expect(await inView('input[name="message"]')).toBe(true);
    expect(await inView('.control-bar button.leave')).toBe(true);
    expect(await ann.evaluate(() => window.scrollY === 0 && document.documentElement.scrollHeight <= window.innerHeight)).toBe(true);
    expect(await ann.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await field.fill('hello from a phone');
    await field.press('Enter');
    await chatLog(ann).getByText('hello from a phone').waitFor();
    // Every control in the bar is a 44 px target at least.
    const small = await controls(ann)
      .getByRole('button')
      .evaluateAll((els) => els.filter((el) => el.getBoundingClientRect().height < 44 || el.getBoundingClientRect().width < 44).map((el) => el.textContent));
    expect(small).toEqual([]);
    // Escape closes the chat, back to the stage, with focus on the Chat button.
    await field.press('Escape');
    await ann.getByRole('list', { name: 'In the call', exact: true }).waitFor();
    expect(await chat.evaluate((el) => document.activeElement === el)).toBe(true);
    await chat.click();
    // People replaces Chat; Chat again shows the stage.
    await controls(ann)
      .getByRole('button', { name: /^People/ })
      .click();
    await people(ann).getByRole('heading', { name: 'In the call (1)' }).waitFor();
    expect(await field.isVisible()).toBe(false);
    await controls(ann)
      .getByRole('button', { name: /^People/ })
      .click();
    await ann.getByRole('list', { name: 'In the call', exact: true }).waitFor();
    expect(await seriousViolations(ann), 'phone, in a call').toEqual([]);
    await ann.emulateMedia({ colorScheme: 'dark' });
    await chat.click();
    expect(await seriousViolations(ann), 'phone, dark, chat').toEqual([]);
    // Leaving with the chat open shows the stage again, with focus on Join call.
    await controls(ann).getByRole('button', { name: 'Leave call' }).click();
    await ann.getByRole('button', { name: 'Join call' }).waitFor();
    await waitFor('focus is on Join call', async () => (await focusedName(ann))?.name === 'Join call', 5000);
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);
});
