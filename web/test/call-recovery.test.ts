import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { audioOver, connectedTo, openPage, signUp, useBrowserAndServer, type UserPage } from './browser.js';

/**
 * Calls whose setup goes wrong on the way: signals held back or lost
 * between a page and the server (Playwright's request routing stands in for
 * a slow or lossy network). Each call must still connect by itself.
 */
const env = useBrowserAndServer();

const roomName = () => `recover-${Math.random().toString(36).slice(2, 10)}`;

async function twoInRoom(): Promise<{ ann: UserPage; bob: UserPage; name: string }> {
  const ann = await openPage(env.browser, env.server);
  const bob = await openPage(env.browser, env.server);
  await signUp(ann, 'ann', 'Ann');
  await signUp(bob, 'bob', 'Bob');
  const name = roomName();
  await ann.getByLabel('Room name').fill(name);
  await ann.getByRole('button', { name: 'Create room' }).click();
  await ann.getByRole('button', { name: 'Join call' }).waitFor();
  await bob.goto(`/r/${name}`);
  await bob.getByRole('button', { name: 'Join call' }).waitFor();
  await ann.getByRole('region', { name: 'People' }).getByText('Bob', { exact: true }).waitFor();
  return { ann, bob, name };
}

/** Routes this page's signal POSTs through `handle`, which gets the signal's type. */
function onSignal(page: UserPage, handle: (route: Route, type: string) => Promise<void>) {
  return page.route('**/api/rooms/*/signal', (route) => handle(route, JSON.parse(route.request().postData() ?? '{}').type));
}

/** Who posts a signal of `type` from now on, in order: the keys of `pages`. */
async function whoPosts(type: string, pages: Record<string, UserPage>): Promise<string[]> {
  const posted: string[] = [];
  for (const [who, page] of Object.entries(pages)) {
    await onSignal(page, async (route, t) => {
      if (t === type) posted.push(who);
      await route.continue();
    });
  }
  return posted;
}

async function expectAudioBothWays(ann: UserPage, bob: UserPage) {
  for (const p of [ann, bob]) {
    const [flow] = await audioOver(p);
    expect(flow!.bytes).toBeGreaterThan(1000);
  }
}

describe('call setup', () => {
  it('connects two people who join at the same moment, each before seeing the other in the call', async () => {
    const { ann, bob } = await twoInRoom();
    // Ann's "I am in the call" is held until Bob has joined and Ann has seen him in the call: when
    // each read the member list on joining, the other was not in the call yet.
    let releaseAnn!: () => void;
    const annHeld = new Promise<void>((r) => (releaseAnn = r));
    await onSignal(ann, async (route, type) => {
      if (type === 'state') await annHeld;
      await route.continue();
    });
    await ann.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    await bob.getByRole('button', { name: 'Join call' }).click();
    await bob.getByRole('button', { name: 'Leave call' }).waitFor();
    await ann.getByRole('region', { name: 'People' }).getByRole('heading', { name: 'In the call (2)' }).waitFor();
    releaseAnn();
    await connectedTo(ann, 1, 15_000);
    await connectedTo(bob, 1, 15_000);
    await expectAudioBothWays(ann, bob);
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('has one side offer when a tab back in the call hears of the room only after it said so', async () => {
    const { ann, bob, name } = await twoInRoom();
    await ann.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    // Ann reloads mid-call; her stream opens late, so her "in the call" could be posted before
    // the stream's welcome, which would then list her in the call instead of saying it later.
    await ann.route(`**/api/rooms/${name}/events*`, async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await ann.reload();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    await ann.waitForTimeout(1000);
    const offers = await whoPosts('offer', { ann, bob });
    await bob.getByRole('button', { name: 'Join call' }).click();
    await connectedTo(ann, 1, 15_000);
    await connectedTo(bob, 1, 15_000);
    // Bob joined later, so Bob offers; Ann offering too would be a collision (see the next test).
    expect(offers).toEqual(['bob']);
    await expectAudioBothWays(ann, bob);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it('starts afresh when the other side never sends a candidate', async () => {
    const { ann, bob } = await twoInRoom();
    // Bob's first connection is stuck as Chromium's polite side once was after a collision:
    // it answers, but gathers no candidate and takes none. An ICE restart goes to the same
    // stuck connection; only a fresh one on both sides connects.
    await bob.evaluate(`(() => {
      const Native = window.RTCPeerConnection;
      let made = 0;
      class Stuck extends Native {
        stuck = made++ === 0;
        set onicecandidate(handle) { super.onicecandidate = this.stuck ? null : handle; }
        get onicecandidate() { return super.onicecandidate; }
        addIceCandidate(c) { return this.stuck ? Promise.resolve() : super.addIceCandidate(c); }
      }
      window.RTCPeerConnection = Stuck;
    })()`);
    const hangups = await whoPosts('hangup', { ann, bob });
    await ann.getByRole('button', { name: 'Join call' }).click();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    await bob.getByRole('button', { name: 'Join call' }).click();
    await connectedTo(ann, 1, 30_000);
    await connectedTo(bob, 1, 30_000);
    // Bob offered (he joined later), so his watchdog found the link stuck and started afresh.
    expect(hangups).toEqual(['bob']);
    await expectAudioBothWays(ann, bob);
    await ann.context().close();
    await bob.context().close();
  }, 60_000);

  it.each(['answer', 'offer'] as const)(
    'connects by itself when the first %s is lost',
    async (dropped) => {
      const { ann, bob } = await twoInRoom();
      let lost = 0;
      for (const p of [ann, bob]) {
        await onSignal(p, async (route, type) => {
          if (type === dropped && lost === 0) {
            lost += 1;
            return route.fulfill({ status: 202, body: '' });
          }
          await route.continue();
        });
      }
      await ann.getByRole('button', { name: 'Join call' }).click();
      await ann.getByRole('button', { name: 'Leave call' }).waitFor();
      await bob.getByRole('button', { name: 'Join call' }).click();
      // What the pages said, for a failure to be readable: signalling states and warnings.
      const said: string[] = [];
      for (const [who, p] of [
        ['ann', ann],
        ['bob', bob],
      ] as const)
        p.on('console', (m) => said.push(`${who} ${m.type()}: ${m.text()}`));
      const connected = async (p: typeof ann) =>
        connectedTo(p, 1, 30_000).catch((err: Error) => {
          throw new Error(`${err.message}\n${said.join('\n')}`);
        });
      await connected(ann);
      await connected(bob);
      expect(lost).toBe(1);
      await expectAudioBothWays(ann, bob);
      await ann.context().close();
      await bob.context().close();
    },
    60_000,
  );
});
