import { describe, expect, it } from 'vitest';
import { twoInACall, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * The call stage: a tile per person in the call with name and @username, a speaking ring driven
 * by their audio level, a muted mark, connection quality from getStats() and per-person volume;
 * your own meter reflects your microphone. Joining the call has a chat line of its own.
 */
const env = useBrowserAndServer();

const stage = (page: UserPage) => page.getByRole('list', { name: 'In the call', exact: true });
const speaking = (page: UserPage, name: string) => stage(page).getByRole('listitem', { name, exact: true }).getAttribute('data-speaking');

describe('the call stage', () => {
  it('shows tiles, rings while someone speaks, marks muted, reads quality, sets volume', async () => {
    const { ann, bob } = await twoInACall(env.browser, env.server, 'stage');
    try {
      // Ann joined first: she sees Bob join the call as its own line, apart from entering the room.
      await ann.getByText(/Bob \(@bob[^)]*\) joined the call\./).waitFor();

      const bobTile = stage(ann).getByRole('listitem', { name: 'Bob', exact: true });
      await bobTile.getByText(`@${bob.username}`).waitFor();
      await stage(ann).getByRole('listitem', { name: 'Ann (you)' }).waitFor();

      // Bob's fake microphone beeps: the ring turns on.
      await waitFor('Bob speaking on Ann’s stage', async () => (await speaking(ann, 'Bob')) === 'true', 15_000);

      // The beeping moves the ring and the meter, not the rest of the tile: its name is never rewritten.
      const churn = await ann.evaluate(async () => {
        const tile = [...document.querySelectorAll('.call-stage li')].find((li) => li.getAttribute('aria-label') === 'Bob')!;
        const counts = { name: 0, ring: 0 };
        const watch = new MutationObserver((records) => {
          for (const r of records) {
            if (r.type === 'attributes' && r.attributeName === 'data-speaking') counts.ring += 1;
            else if (r.target instanceof Node && tile.querySelector('.tile-name')?.contains(r.target)) counts.name += 1;
          }
        });
        watch.observe(tile, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-speaking'] });
        await new Promise((r) => setTimeout(r, 3000));
        watch.disconnect();
        return counts;
      });
      expect(churn.ring).toBeGreaterThan(0);
      expect(churn.name).toBe(0);

      // Your own meter reads your microphone as loud as the far side reads it.
      const peak = await ann.evaluate(async () => {
        const meter = document.querySelector('meter[aria-label="Your microphone level"]') as HTMLMeterElement;
        let max = 0;
        for (let i = 0; i < 250 && max <= 0.3; i++) {
          max = Math.max(max, meter.value);
          await new Promise((r) => setTimeout(r, 20));
        }
        return max;
      });
      expect(peak).toBeGreaterThan(0.3);

      // Quality from getStats() on loopback: good, with the numbers in the tooltip and description.
      const quality = bobTile.getByText('Connection good');
      await quality.waitFor({ timeout: 15_000 });
      expect(await quality.getAttribute('title')).toMatch(/round trip \d+ ms, packet loss [\d.]+ %, jitter \d+ ms/);

      // Volume 0 silences Bob's <audio> on Ann's side only.
      const bobPeer = await bob.evaluate(() => (window as any).__parley.peerId());
      await bobTile.getByLabel('Volume of Bob').fill('0');
      expect(await ann.evaluate((p) => (document.querySelector(`audio[data-peer="${p}"]`) as HTMLAudioElement).volume, bobPeer)).toBe(0);

      // Bob mutes: the mark shows and the ring goes off and stays off.
      await bob.getByRole('button', { name: 'Mute' }).first().click();
      await bobTile.getByRole('img', { name: 'Microphone off' }).waitFor();
      await waitFor('ring off', async () => (await speaking(ann, 'Bob')) === 'false', 10_000);
      for (let i = 0; i < 15; i++) {
        expect(await speaking(ann, 'Bob')).toBe('false');
        await ann.waitForTimeout(100);
      }
      // Bob leaves the call but stays in the room: his tile goes, with a line of its own.
      await bob.getByRole('button', { name: 'Leave call' }).first().click();
      await ann.getByText(/Bob \(@bob[^)]*\) left the call\./).waitFor();
      await bobTile.waitFor({ state: 'detached' });
      expect([...ann.problems, ...bob.problems]).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  });
});
