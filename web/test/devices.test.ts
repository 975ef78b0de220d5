import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  seriousViolations,
  CHROMIUM,
  CHROMIUM_ARGS,
  audioOver,
  connectedTo,
  openPage,
  signUp,
  useBrowserAndServer,
  waitFor,
  probedPage,
  type Probe,
  type UserPage,
} from './browser.js';

/**
 * Microphone and speaker: the device check before joining (names, a live level, a test tone),
 * the choice used by the call, switched mid-call from the Devices menu without losing the far
 * side's audio or the mute, the speaker applied to every remote voice, and no microphone left on.
 *
 * Chromium's fake devices (--use-fake-device-for-media-stream) list three inputs ("Fake Default
 * Audio Input", "Fake Audio Input 1", "Fake Audio Input 2") and three outputs ("Fake Default Audio
 * Output", "Fake Audio Output 1", "Fake Audio Output 2"), each a tone.
 *
 * What the tests read that the app does not show is recorded by an init script of the test's own
 * (every getUserMedia stream, every RTCPeerConnection), so production code has no hooks for it.
 */
const env = useBrowserAndServer();

/** The labels of every live microphone track this page opened, and of every open connection's audio sender. */
function liveTracks(page: UserPage) {
  return page.evaluate(() => {
    const probe = (window as unknown as { __probe: Probe }).__probe;
    const live = probe.streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live');
    const senders = probe.pcs
      .filter((pc) => pc.connectionState !== 'closed')
      .flatMap((pc) => pc.getSenders())
      .filter((s) => s.track)
      .map((s) => ({ label: s.track!.label, enabled: s.track!.enabled, live: s.track!.readyState === 'live', same: live.includes(s.track!) }));
    return { live: live.map((t) => t.label), senders };
  });
}

function meterPeak(page: UserPage, selector: string, over = 0.05, ms = 5000) {
  return page.evaluate(
    async ({ selector, over, ms }) => {
      let max = 0;
      const until = Date.now() + ms;
      while (Date.now() < until && max <= over) {
        max = Math.max(max, (document.querySelector(selector) as HTMLMeterElement | null)?.value ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
      return max;
    },
    { selector, over, ms },
  );
}

async function newRoom(page: UserPage, stem: string): Promise<string> {
  const room = `${stem}-${Math.random().toString(36).slice(2, 10)}`;
  await page.getByLabel('Room name').fill(room);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(`**/r/${room}`);
  return room;
}

const check = (page: UserPage) => page.getByRole('region', { name: 'Microphone and speaker' });

describe('media devices', () => {
  it('before joining: lists the microphones by name, shows their level, tests the speaker; axe is content', async () => {
    const ann = await probedPage(env.browser, env.server, { bypassCSP: true });
    try {
      await signUp(ann, 'ann', 'Ann');
      await newRoom(ann, 'check');
      const mic = check(ann).getByLabel('Microphone', { exact: true });
      await waitFor('microphones listed', async () => (await mic.locator('option').count()) === 3);
      expect(await mic.locator('option').allTextContents()).toEqual(['Fake Default Audio Input', 'Fake Audio Input 1', 'Fake Audio Input 2']);
      // The fake microphone beeps: the preview's meter moves.
      expect(await meterPeak(ann, '.device-check meter')).toBeGreaterThan(0.05);
      expect((await liveTracks(ann)).live).toEqual(['Fake Default Audio Input']);

      const speaker = check(ann).getByLabel('Speaker', { exact: true });
      expect(await speaker.locator('option').allTextContents()).toEqual(['Fake Default Audio Output', 'Fake Audio Output 1', 'Fake Audio Output 2']);
      await speaker.selectOption({ label: 'Fake Audio Output 1' });
      const chosen = await speaker.inputValue();
      // The tone goes through an <audio> pointed at the chosen output: count the sinks asked for.
      await ann.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { __sinks: string[] }).__sinks = seen;
        const native = HTMLMediaElement.prototype.setSinkId;
        HTMLMediaElement.prototype.setSinkId = function (id: string) {
          seen.push(id);
          return native.call(this, id);
        };
      });
      await check(ann).getByRole('button', { name: 'Test speaker' }).click();
      await check(ann).getByText('Playing a short tone…').waitFor();
      await waitFor('the tone ended', async () => await check(ann).getByRole('button', { name: 'Test speaker' }).isEnabled(), 5000);
      expect(await check(ann).getByRole('alert').count()).toBe(0);
      expect(await ann.evaluate(() => (window as unknown as { __sinks: string[] }).__sinks)).toEqual([chosen]);

      expect(await seriousViolations(ann)).toEqual([]);
      expect(ann.problems).toEqual([]);
    } finally {
      await ann.context().close();
    }
  });

  it('joins with the chosen microphone, switches it mid-call from Devices with the mute kept, and leaves no microphone on', async () => {
    const ann = await probedPage(env.browser, env.server);
    const bob = await probedPage(env.browser, env.server);
    try {
      await signUp(ann, 'ann', 'Ann');
      await signUp(bob, 'bob', 'Bob');
      const room = await newRoom(ann, 'mic');
      await bob.goto(`/r/${room}`);
      await bob.getByRole('button', { name: 'Join call' }).click();

      const mic = check(ann).getByLabel('Microphone', { exact: true });
      await waitFor('microphones listed', async () => (await mic.locator('option').count()) === 3);
      await mic.selectOption({ label: 'Fake Audio Input 2' });
      // The preview follows the choice, and the one it replaced is stopped.
      await waitFor('the preview is the chosen microphone', async () => JSON.stringify((await liveTracks(ann)).live) === '["Fake Audio Input 2"]');
      await ann.getByRole('button', { name: 'Join call' }).click();
      await ann.getByRole('button', { name: 'Leave call' }).waitFor();
      await connectedTo(ann, 1);
      await connectedTo(bob, 1);

      // The device check went away with its preview: the call's microphone is the one live track.
      expect(await check(ann).count()).toBe(0);
      let tracks = await liveTracks(ann);
      expect(tracks.live).toEqual(['Fake Audio Input 2']);
      expect(tracks.senders).toEqual([{ label: 'Fake Audio Input 2', enabled: true, live: true, same: true }]);
      expect((await audioOver(bob))[0]!.bytes).toBeGreaterThan(0);

      // Muted, then another microphone from the Devices menu: the far side keeps receiving, the mute stays.
      await ann.getByRole('button', { name: 'Mute' }).click();
      const devices = ann.getByRole('button', { name: 'Devices' });
      await devices.click();
      const dialog = ann.getByRole('dialog', { name: 'Microphone, camera and speaker' });
      await dialog.waitFor();
      await expect.poll(() => dialog.getByLabel('Microphone', { exact: true }).evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await dialog.getByLabel('Microphone', { exact: true }).locator('option:checked').textContent()).toBe('Fake Audio Input 2');
      await dialog.getByLabel('Microphone', { exact: true }).selectOption({ label: 'Fake Audio Input 1' });
      await waitFor('the call sends the new microphone', async () => (await liveTracks(ann)).senders[0]?.label === 'Fake Audio Input 1');
      tracks = await liveTracks(ann);
      expect(tracks.live).toEqual(['Fake Audio Input 1']);
      expect(tracks.senders).toEqual([{ label: 'Fake Audio Input 1', enabled: false, live: true, same: true }]);
      await ann.getByRole('button', { name: 'Unmute' }).waitFor();
      const mutedFlow = await audioOver(bob);
      expect(mutedFlow, 'Bob keeps his one connection to Ann across the switch').toHaveLength(1);
      const muted = mutedFlow[0]!;
      expect(muted.bytes).toBeGreaterThan(0);

      // Escape closes the menu and gives focus back to its button.
      await ann.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await devices.evaluate((el) => el === document.activeElement)).toBe(true);

      await ann.getByRole('button', { name: 'Unmute' }).click();
      expect((await liveTracks(ann)).senders[0]!.enabled).toBe(true);
      const heardFlow = await audioOver(bob);
      expect(heardFlow, 'Bob keeps his one connection to Ann after unmuting').toHaveLength(1);
      const heard = heardFlow[0]!;
      expect(heard.bytes).toBeGreaterThan(0);
      // The tone is heard again, well above what crossed while muted.
      expect(heard.energy).toBeGreaterThan(muted.energy * 10 + 1e-6);
      // No renegotiation: the same single connection carried all of it.
      expect((await connectedTo(bob, 1)).length).toBe(1);

      // The next call starts with the microphone chosen last.
      await ann.getByRole('button', { name: 'Leave call' }).click();
      // The call's microphone stops; the device check is back with one preview of the last choice.
      await waitFor('only the preview is on after leaving', async () => {
        const t = await liveTracks(ann);
        return t.senders.length === 0 && JSON.stringify(t.live) === '["Fake Audio Input 1"]';
      });
      expect(await check(ann).getByLabel('Microphone', { exact: true }).locator('option:checked').textContent()).toBe('Fake Audio Input 1');
      expect(ann.problems).toEqual([]);
      expect(bob.problems).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  }, 60_000);

  it('plays every remote voice through the chosen speaker, also voices that arrive later', async () => {
    const ann = await probedPage(env.browser, env.server);
    const bob = await probedPage(env.browser, env.server);
    const cid = await probedPage(env.browser, env.server);
    const sinks = () => ann.evaluate(() => [...document.querySelectorAll<HTMLAudioElement>('.audio-box audio')].map((a) => a.sinkId));
    try {
      await signUp(ann, 'ann', 'Ann');
      await signUp(bob, 'bob', 'Bob');
      await signUp(cid, 'cid', 'Cid');
      const room = await newRoom(ann, 'speaker');
      const speaker = check(ann).getByLabel('Speaker', { exact: true });
      await waitFor('speakers listed', async () => (await speaker.locator('option').count()) === 3);
      await speaker.selectOption({ label: 'Fake Audio Output 1' });
      const first = await speaker.inputValue();
      expect(first).not.toBe('default');
      await ann.getByRole('button', { name: 'Join call' }).click();
      await bob.goto(`/r/${room}`);
      await bob.getByRole('button', { name: 'Join call' }).click();
      await connectedTo(ann, 1);
      await waitFor('Bob plays through Output 1', async () => JSON.stringify(await sinks()) === JSON.stringify([first]));

      // Another output mid-call: the voice already playing moves to it, and so does one that comes later.
      await ann.getByRole('button', { name: 'Devices' }).click();
      const dialog = ann.getByRole('dialog', { name: 'Microphone, camera and speaker' });
      await dialog.getByLabel('Speaker', { exact: true }).selectOption({ label: 'Fake Audio Output 2' });
      const second = await dialog.getByLabel('Speaker', { exact: true }).inputValue();
      await waitFor('Bob moved to Output 2', async () => JSON.stringify(await sinks()) === JSON.stringify([second]));
      // A click outside closes the menu.
      await ann.getByRole('heading', { level: 1 }).click();
      await dialog.waitFor({ state: 'detached' });

      await cid.goto(`/r/${room}`);
      await cid.getByRole('button', { name: 'Join call' }).click();
      await connectedTo(ann, 2);
      await waitFor('Bob and Cid play through Output 2', async () => JSON.stringify(await sinks()) === JSON.stringify([second, second]));
      expect(await ann.evaluate(() => JSON.parse(localStorage.getItem('parley:speaker') ?? 'null'))).toEqual({ id: second, label: 'Fake Audio Output 2' });
      expect(ann.problems).toEqual([]);
    } finally {
      for (const p of [ann, bob, cid]) await p.context().close();
    }
  }, 60_000);

  it('leaves the speaker choice out where the browser cannot choose an output (no setSinkId)', async () => {
    const page = await openPage(env.browser, env.server);
    try {
      // As in Safari: media elements without setSinkId.
      await page.context().addInitScript(() => delete (HTMLMediaElement.prototype as { setSinkId?: unknown }).setSinkId);
      await signUp(page, 'nosink');
      await newRoom(page, 'nosink');
      await waitFor('microphones listed', async () => (await check(page).getByLabel('Microphone', { exact: true }).locator('option').count()) === 3);
      await check(page).getByText('this browser cannot send it elsewhere', { exact: false }).waitFor();
      expect(await check(page).getByLabel('Speaker', { exact: true }).count()).toBe(0);
      expect(await check(page).getByRole('button', { name: 'Test speaker' }).count()).toBe(0);
      expect(page.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('falls back to the default, with a notice, when the chosen devices are not there any more', async () => {
    const page = await openPage(env.browser, env.server);
    try {
      await page.context().addInitScript(() => {
        if (sessionStorage.getItem('seeded')) return;
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem('parley:microphone', JSON.stringify({ id: 'unplugged-mic', label: 'USB Headset' }));
        localStorage.setItem('parley:speaker', JSON.stringify({ id: 'unplugged-speaker', label: 'Desk Speakers' }));
      });
      await signUp(page, 'gone');
      await newRoom(page, 'gone');
      await check(page)
        .getByRole('status')
        .getByText('The microphone “USB Headset” is not connected; using the default. The speaker “Desk Speakers” is not connected; using the default.')
        .waitFor();
      expect(await check(page).getByLabel('Microphone', { exact: true }).inputValue()).toBe('default');
      expect(await check(page).getByLabel('Speaker', { exact: true }).inputValue()).toBe('default');
      expect(await page.evaluate(() => [localStorage.getItem('parley:microphone'), localStorage.getItem('parley:speaker')])).toEqual([null, null]);
      await check(page).getByRole('button', { name: 'OK' }).click();
      expect(
        await check(page)
          .getByText(/is not connected/)
          .count(),
      ).toBe(0);
    } finally {
      await page.context().close();
    }
  });

  it('asks for the microphone with a button, not on page load, and lists the devices once allowed', async () => {
    // Without the fake prompt, headless Chromium answers "prompt" and refuses getUserMedia until the permission is granted.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream'),
    });
    try {
      const page = await probedPage(browser, env.server);
      await page.context().clearPermissions();
      await signUp(page, 'asks');
      await newRoom(page, 'ask');
      const button = check(page).getByRole('button', { name: 'Check microphone' });
      await button.waitFor();
      await check(page)
        .getByText(/once Parley may use the microphone/)
        .waitFor();
      expect(await check(page).getByRole('combobox').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe.asked)).toBe(0);

      await button.click();
      await check(page)
        .getByRole('alert')
        .getByText(/may not use your microphone/)
        .waitFor();
      expect(await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe.asked)).toBe(1);

      // Allowed in the site settings: the names appear without a reload, and the level moves.
      await page.context().grantPermissions(['microphone']);
      await waitFor('named microphones', async () => (await check(page).getByLabel('Microphone', { exact: true }).locator('option').count()) === 3, 10_000);
      expect(await meterPeak(page, '.device-check meter')).toBeGreaterThan(0.05);
      expect(await check(page).getByRole('alert').count()).toBe(0);
      expect((await liveTracks(page)).live).toHaveLength(1);
    } finally {
      await browser.close();
    }
  });
});
