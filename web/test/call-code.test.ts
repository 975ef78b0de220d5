import { randomBytes } from 'node:crypto';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { callCode } from '../src/room/call-code.js';
import { CODE_SYMBOLS } from '../src/room/code-symbols.js';
import { callStats, connectedTo, intoOneCall, openPage, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * A call's code in real browsers (docs/security.md): both people in a call are shown the same
 * five words, made from the DTLS fingerprints in the descriptions their browsers exchanged; a
 * connection set up afresh has a code of its own. When the signalling is rewritten on the way
 * (Bob's descriptions reach Ann with another certificate's fingerprint in them, as a server
 * putting itself in the middle would have to send), the two sides are shown different codes, and
 * the connection never comes up. The words expected are worked out here from the descriptions
 * each page posted, so each side is shown the code of what it actually saw.
 */
const env = useBrowserAndServer();

const SIGNAL_PATH = /^\/api\/rooms\/[^/]+\/signal$/;
const isSignal = (url: string) => SIGNAL_PATH.test(new URL(url).pathname);

/** Each description `page` posts, as it left the page. */
function postedDescriptions(page: UserPage): string[] {
  const sdps: string[] = [];
  page.on('request', (req) => {
    if (req.method() !== 'POST' || !isSignal(req.url())) return;
    const body = req.postDataJSON() as { type: string; data?: { sdp?: unknown } };
    if ((body.type === 'offer' || body.type === 'answer') && typeof body.data?.sdp === 'string') sdps.push(body.data.sdp);
  });
  return sdps;
}

/** The words of the code for descriptions `a` and `b`, as the web client makes it. */
async function wordsFor(a: string | undefined, b: string | undefined): Promise<string[] | undefined> {
  if (!a || !b) return undefined;
  return (await callCode(a, b))?.map((n) => CODE_SYMBOLS[n]!.word);
}

const dialogWith = (page: UserPage, name: string) => page.getByRole('dialog', { name: `Verify your call with ${name}` });

/** The words in an open code dialog, once there are any. */
async function wordsIn(dialog: Locator): Promise<string[]> {
  const words = dialog.getByRole('list', { name: 'Code' }).locator('.call-code-word');
  await words.first().waitFor({ timeout: 15_000 });
  return words.allInnerTexts();
}

const bar = (page: UserPage) => page.getByRole('toolbar', { name: 'Call controls' });
const stage = (page: UserPage) => page.getByRole('list', { name: 'In the call', exact: true });

describe('the code of a call', () => {
  it('is the same on both sides of a normal call, made from both fingerprints, and new for a new connection', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    const annSent = postedDescriptions(ann);
    const bobSent = postedDescriptions(bob);
    try {
      await intoOneCall(ann, bob, 'code');
      await connectedTo(ann, 1);
      await connectedTo(bob, 1);
      // Two people: Verify is in the control bar; every other person's tile has one too.
      await bar(ann).getByRole('button', { name: 'Verify call with Bob' }).click();
      await stage(bob).getByRole('button', { name: 'Verify call with Ann' }).click();
      const annSees = await wordsIn(dialogWith(ann, 'Bob'));
      const bobSees = await wordsIn(dialogWith(bob, 'Ann'));
      expect(annSees).toHaveLength(5);
      expect(bobSees).toEqual(annSees);
      expect(annSees).toEqual(await wordsFor(annSent.at(-1), bobSent.at(-1)));
      expect(await dialogWith(ann, 'Bob').getByText('You are not connected').count()).toBe(0);

      // Done closes it, and focus goes back to the button that opened it.
      await dialogWith(ann, 'Bob').getByRole('button', { name: 'Done' }).click();
      await dialogWith(ann, 'Bob').waitFor({ state: 'detached' });
      expect(await ann.evaluate(() => document.activeElement?.textContent)).toBe('Verify call with Bob');

      // Bob reloads: a new connection with a new certificate, so a new code, again the same on both sides.
      await bob.reload();
      await bob.getByRole('button', { name: 'Leave call' }).waitFor();
      await connectedTo(bob, 1);
      await connectedTo(ann, 1);
      await bar(ann).getByRole('button', { name: 'Verify call with Bob' }).click();
      await bar(bob).getByRole('button', { name: 'Verify call with Ann' }).click();
      const again = await waitFor('both sides show the new connection’s code', async () => {
        const [a, b] = [await wordsIn(dialogWith(ann, 'Bob')), await wordsIn(dialogWith(bob, 'Ann'))];
        return a.join() === b.join() && a.join() !== annSees.join() && a;
      });
      expect(again).toEqual(await wordsFor(annSent.at(-1), bobSent.at(-1)));
      await dialogWith(ann, 'Bob').getByRole('button', { name: 'Done' }).click();

      // On a phone a room's bar has no room for Verify beside People and Chat: the tile has it,
      // and the bar's buttons neither overlap nor run off the screen.
      await ann.setViewportSize({ width: 390, height: 844 });
      await stage(ann).getByRole('button', { name: 'Verify call with Bob' }).waitFor();
      expect(await bar(ann).getByRole('button', { name: 'Verify call with Bob' }).count()).toBe(0);
      const boxes = await bar(ann)
        .getByRole('button')
        .evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right })));
      for (const [i, box] of boxes.entries()) {
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.right).toBeLessThanOrEqual(390);
        if (i > 0) expect(box.left, `button ${i} starts after button ${i - 1} ends`).toBeGreaterThanOrEqual(boxes[i - 1]!.right);
      }
      expect([...ann.problems, ...bob.problems]).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  }, 120_000);

  it('differs between the two sides when a fingerprint is rewritten on the way, and that connection never comes up', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    const annSent = postedDescriptions(ann);
    // Another certificate's fingerprint, as a party in the middle would put its own in.
    const forged = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
    const bobMade: string[] = [];
    const bobForwarded: string[] = [];
    await bob.route('**/api/rooms/*/signal', async (route) => {
      const body = route.request().postDataJSON() as { type: string; data?: { sdp?: unknown } };
      const sdp = body.data?.sdp;
      if ((body.type !== 'offer' && body.type !== 'answer') || typeof sdp !== 'string' || !body.data) return route.continue();
      bobMade.push(sdp);
      body.data.sdp = sdp.replace(/^(a=fingerprint:sha-256 )[0-9A-Fa-f:]+/gm, `$1${forged}`);
      bobForwarded.push(body.data.sdp as string);
      return route.continue({ postData: JSON.stringify(body) });
    });
    try {
      await intoOneCall(ann, bob, 'code');
      await waitFor('both sides have exchanged descriptions', async () => annSent.length > 0 && bobForwarded.length > 0);
      expect(bobForwarded.at(-1)).toContain(forged);
      expect(bobForwarded.at(-1)).not.toBe(bobMade.at(-1));
      await bar(ann).getByRole('button', { name: 'Verify call with Bob' }).click();
      await bar(bob).getByRole('button', { name: 'Verify call with Ann' }).click();
      // Each side shows the code of what it saw: Ann, Bob's description with the forged
      // fingerprint; Bob, his own real one.
      const [annSees, bobSees] = await waitFor('each side shows the code of what it saw', async () => {
        const a = await wordsIn(dialogWith(ann, 'Bob'));
        const b = await wordsIn(dialogWith(bob, 'Ann'));
        const annExpects = await wordsFor(annSent.at(-1), bobForwarded.at(-1));
        const bobExpects = await wordsFor(bobMade.at(-1), annSent.at(-1));
        return a.join() === annExpects?.join() && b.join() === bobExpects?.join() && [a, b];
      });
      expect(annSees).toHaveLength(5);
      expect(bobSees).toHaveLength(5);
      expect(annSees).not.toEqual(bobSees);
      // Ann's browser holds Bob to the fingerprint it was given: the connection does not come up.
      await dialogWith(ann, 'Bob').getByText('You are not connected to Bob yet').waitFor();
      for (let i = 0; i < 10; i++) {
        const states = [...(await callStats(ann)), ...(await callStats(bob))].map((s) => s.state);
        expect(states).not.toContain('connected');
        await ann.waitForTimeout(300);
      }
      expect([...ann.problems, ...bob.problems]).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  }, 120_000);
});
