import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../../src/test/harness.js';
import {
  audioOver,
  connectedTo,
  intoOneCall,
  openPage,
  probedPage,
  seriousViolations,
  useBrowserAndServer,
  waitFor,
  type Probe,
  type UserPage,
} from './browser.js';

/**
 * Push-to-talk and the noise gate, heard from the far side: the energy of the audio Bob receives
 * from Ann (Chromium's fake microphone plays a tone; silence adds no energy). Ann's settings are
 * put in her localStorage before she joins, as the device check's check boxes would leave them.
 * The raw microphones and the connections' senders are recorded by an init script of the test's
 * own, so production code has no hooks for it.
 */
const env = useBrowserAndServer();

function annWith(browser: Browser, server: TestServer, storage: Record<string, string>, bypassCSP = false): Promise<UserPage> {
  return probedPage(browser, server, { bypassCSP, storage });
}

/** The raw microphones still live, and whether the open connection sends one of them (not a gate's track). */
function microphones(page: UserPage) {
  return page.evaluate(() => {
    const probe = (window as unknown as { __probe: Probe }).__probe;
    const live = probe.streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live');
    const sent = probe.pcs
      .filter((pc) => pc.connectionState !== 'closed')
      .flatMap((pc) => pc.getSenders())
      .map((s) => s.track)
      .filter((t) => t !== null);
    return { live: live.length, sendsRaw: sent.some((t) => live.includes(t)), sent: sent.length, ids: live.map((t) => t.id) };
  });
}

const SILENT = 1e-6;
const SOUND = 1e-4;
const energyAt = async (bob: UserPage, ms = 800) => (await audioOver(bob, ms))[0]!.energy;
const silentAt = (bob: UserPage, what: string) => waitFor(what, async () => (await energyAt(bob)) < SILENT, 10_000);
const soundAt = (bob: UserPage, what: string) => waitFor(what, async () => (await energyAt(bob)) > SOUND, 10_000);

describe('audio options', () => {
  it('push to talk: silence until Space is held, sound while held, silence after; a space typed in the chat does not talk', async () => {
    // Without the CSP (axe is added as a script): the gate's test below keeps it, and so shows that its worklet loads under it.
    const ann = await annWith(env.browser, env.server, { 'parley:push-to-talk': 'on' }, true);
    const bob = await openPage(env.browser, env.server);
    try {
      await intoOneCall(ann, bob, 'ptt');
      await connectedTo(ann, 1);
      await connectedTo(bob, 1);
      const talk = ann.getByRole('toolbar', { name: 'Call controls' }).getByRole('button', { name: 'Hold Space to talk' });
      await talk.waitFor();
      // Joined muted: bytes flow, but no sound, and Bob sees Ann's microphone off.
      await waitFor('audio flows to Bob', async () => (await audioOver(bob, 500))[0]!.bytes > 0);
      expect(await energyAt(bob, 1500)).toBeLessThan(SILENT);
      const annOff = bob.getByRole('listitem', { name: 'Ann', exact: true }).getByRole('img', { name: 'Microphone off' });
      await annOff.waitFor();

      // Space held on the page (focus on the talk button, where Join call put it): Bob hears Ann.
      await ann.keyboard.down('Space');
      await ann.getByRole('button', { name: 'Talking' }).waitFor();
      await soundAt(bob, 'Bob hears Ann while Space is held');
      await annOff.waitFor({ state: 'detached' });
      // The page did not scroll, and the button was not pressed by Space.
      expect(await ann.evaluate(() => window.scrollY)).toBe(0);

      await ann.keyboard.up('Space');
      await talk.waitFor();
      await silentAt(bob, 'silence again after Space is let go');
      await annOff.waitFor();

      // Typing in the chat: the space is typed, and nobody hears a thing.
      const box = ann.getByRole('textbox', { name: 'Message' });
      await box.click();
      await ann.keyboard.type('a b');
      await ann.keyboard.down('Space');
      expect(await energyAt(bob, 1500)).toBeLessThan(SILENT);
      await ann.keyboard.up('Space');
      expect(await box.inputValue()).toBe('a b ');
      expect(await talk.isVisible()).toBe(true);

      // Leaving the window while holding Space lets go.
      await ann.locator('body').click({ position: { x: 5, y: 5 } });
      await ann.keyboard.down('Space');
      await ann.getByRole('button', { name: 'Talking' }).waitFor();
      await ann.evaluate(() => window.dispatchEvent(new Event('blur')));
      await talk.waitFor();
      await ann.keyboard.up('Space');
      await silentAt(bob, 'silence once the window lost focus');

      // The talk button and the Devices menu's choices pass axe; the menu shows push-to-talk on.
      await ann.getByRole('button', { name: 'Devices' }).click();
      const dialog = ann.getByRole('dialog', { name: 'Microphone, camera and speaker' });
      expect(await dialog.getByRole('checkbox', { name: 'Push to talk' }).isChecked()).toBe(true);
      expect(await dialog.getByRole('checkbox', { name: 'Noise gate' }).isChecked()).toBe(false);
      expect(await seriousViolations(ann)).toEqual([]);
      // Turned off mid-call: Mute is back, and the microphone stays muted until unmuted.
      await dialog.getByRole('checkbox', { name: 'Push to talk' }).uncheck();
      await ann.getByRole('button', { name: 'Unmute' }).waitFor();
      expect(ann.problems).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  });

  it('noise gate: a threshold above the tone sends silence, one below lets it through; switched mid-call from Devices', async () => {
    const ann = await annWith(env.browser, env.server, { 'parley:noise-gate': 'on', 'parley:noise-gate-threshold': '0' });
    const bob = await openPage(env.browser, env.server);
    try {
      await intoOneCall(ann, bob, 'gate');
      await connectedTo(ann, 1);
      await connectedTo(bob, 1);
      // The gate's track is sent, not the microphone's, and at 0 dBFS nothing opens it.
      expect(await microphones(ann)).toMatchObject({ live: 1, sendsRaw: false, sent: 1 });
      await waitFor('audio flows to Bob', async () => (await audioOver(bob, 500))[0]!.bytes > 0);
      expect(await energyAt(bob, 1500)).toBeLessThan(SILENT);

      // The gate off from the Devices menu: the microphone opens again, ungated, at once.
      await ann.getByRole('button', { name: 'Devices' }).click();
      const dialog = ann.getByRole('dialog', { name: 'Microphone, camera and speaker' });
      const gate = dialog.getByRole('checkbox', { name: 'Noise gate' });
      expect(await gate.isChecked()).toBe(true);
      expect(await dialog.getByRole('checkbox', { name: 'Noise suppression' }).isChecked()).toBe(true);
      await gate.uncheck();
      await soundAt(bob, 'Bob hears the ungated tone');
      expect(await microphones(ann)).toMatchObject({ live: 1, sendsRaw: true, sent: 1 });

      // On again with a threshold far below the tone: the gate opens for it.
      await ann.evaluate(() => localStorage.setItem('parley:noise-gate-threshold', '-100'));
      await gate.check();
      await waitFor('the gate is sent again', async () => !(await microphones(ann)).sendsRaw);
      expect(await microphones(ann)).toMatchObject({ live: 1, sendsRaw: false, sent: 1 });
      await soundAt(bob, 'Bob hears the tone through the open gate');
      expect(await ann.evaluate(() => localStorage.getItem('parley:noise-gate'))).toBe('on');

      // Leaving stops the microphone behind the gate too (the device check then opens a preview of its own).
      const [behindGate] = (await microphones(ann)).ids;
      await ann.getByRole('button', { name: 'Leave call' }).click();
      await waitFor('the gated microphone is off', async () => !(await microphones(ann)).ids.includes(behindGate!));
      expect(ann.problems).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  });
});
