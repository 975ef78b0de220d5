import { describe, expect, it } from 'vitest';
import { callStats, connectedTo, openPage, signUp, twoInACall, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * Camera and screen in the mesh, in Chromium with its fake camera and an auto-selected (fake)
 * screen: turning them on renegotiates every connection, the far side decodes frames (getStats'
 * framesDecoded keeps rising), the sharer's screen becomes the large tile and stopping restores
 * the layout; in a four-person mesh one screen reaches all three others, each copy capped.
 */
const env = useBrowserAndServer();

/** Frames decoded from `peerId` by `page`, now. */
async function framesFrom(page: UserPage, peerId: string): Promise<number> {
  return (await callStats(page)).find((s) => s.peerId === peerId)?.framesDecoded ?? 0;
}

/** Waits until `page` decodes frames from `peerId` and keeps decoding them (two readings apart). */
async function videoFlows(page: UserPage, peerId: string, what: string) {
  const first = await waitFor(`${what}: frames decoded`, async () => (await framesFrom(page, peerId)) > 10 && framesFrom(page, peerId), 20_000);
  await waitFor(`${what}: frames still decoded`, async () => (await framesFrom(page, peerId)) > first + 10, 10_000);
}

const peerIdOf = (page: UserPage) => page.evaluate(() => document.querySelector('.call-stage li[aria-label$="(you)"]')?.getAttribute('data-peer') ?? '');

describe('camera and screen', () => {
  it('camera on and off, then a screen shown large and the layout restored when it stops', async () => {
    const { ann, bob } = await twoInACall(env.browser, env.server, 'media');
    try {
      const annPeer = await peerIdOf(ann);
      expect(annPeer).not.toBe('');

      // Ann's camera: Bob's tile of her shows video, and frames keep arriving.
      await ann.getByRole('button', { name: 'Camera' }).click();
      await ann.locator(`.call-stage li[data-peer="${annPeer}"][data-video="camera"] video`).waitFor();
      const annTile = bob.locator(`.call-stage li[data-peer="${annPeer}"]`);
      await bob.locator(`.call-stage li[data-peer="${annPeer}"][data-video="camera"] video`).waitFor({ timeout: 20_000 });
      await videoFlows(bob, annPeer, 'Ann’s camera at Bob');
      expect(await ann.getByRole('button', { name: 'Camera' }).getAttribute('aria-pressed')).toBe('true');

      // Off: the tile goes back to initials on both sides.
      await ann.getByRole('button', { name: 'Camera' }).click();
      await waitFor('Ann’s tile without video at Bob', async () => (await annTile.getAttribute('data-video')) === null, 15_000);

      // Ann presents: her screen is the large tile at Bob's, the people a strip beside it.
      await ann.getByRole('button', { name: 'Present' }).click();
      await ann.getByText('You are presenting', { exact: true }).waitFor();
      const presentation = bob.locator(`figure.presentation[data-screen="${annPeer}"]`);
      await presentation.waitFor({ timeout: 20_000 });
      await bob.getByText('Ann is presenting', { exact: true }).waitFor();
      await videoFlows(bob, annPeer, 'Ann’s screen at Bob');
      // The screen keeps its resolution: a 1280-wide fake screen arrives wider than the camera's 640.
      const width = (await callStats(bob)).find((s) => s.peerId === annPeer)?.frameWidth ?? 0;
      expect(width).toBeGreaterThan(640);
      expect(await bob.locator('.call-stage.strip').count()).toBe(1);

      // Stopping (from the large tile's button) restores the grid at both ends.
      await ann.getByRole('button', { name: 'Stop presenting' }).first().click();
      await waitFor('presentation gone at Bob', async () => (await presentation.count()) === 0, 15_000);
      expect(await bob.locator('.call-stage.strip').count()).toBe(0);
      expect(await ann.locator('figure.presentation').count()).toBe(0);
      // Still connected, with audio, after four renegotiations.
      await connectedTo(bob, 1);
      expect([...ann.problems, ...bob.problems]).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  }, 90_000);

  it('a four-person mesh holds with one screen shared: all three others decode it, each copy capped', async () => {
    const { ann, bob, room } = await twoInACall(env.browser, env.server, 'mesh');
    const more: UserPage[] = [];
    try {
      for (const stem of ['cat', 'dan']) {
        const page = await openPage(env.browser, env.server);
        more.push(page);
        await signUp(page, stem, stem === 'cat' ? 'Cat' : 'Dan');
        await page.goto(`/r/${room}`);
        await page.getByRole('button', { name: 'Join call' }).click();
        await page.getByRole('button', { name: 'Leave call' }).waitFor();
      }
      const all = [ann, bob, ...more];
      for (const page of all) await connectedTo(page, 3, 30_000);
      const annPeer = await peerIdOf(ann);

      await ann.getByRole('button', { name: 'Present' }).click();
      for (const [i, page] of [bob, ...more].entries()) {
        await page.locator(`figure.presentation[data-screen="${annPeer}"]`).waitFor({ timeout: 20_000 });
        await videoFlows(page, annPeer, `Ann’s screen at viewer ${i + 1}`);
      }
      // Three copies of one screen: each capped at a third of the screen's uplink budget (3 Mbit/s).
      const caps = (await callStats(ann)).flatMap((s) => s.videoCaps);
      expect(caps).toHaveLength(3);
      for (const cap of caps) expect(cap).toBe(1_000_000);
      // Everyone is still connected to everyone.
      for (const page of all) await connectedTo(page, 3);
      expect(all.flatMap((p) => p.problems)).toEqual([]);
    } finally {
      for (const page of [ann, bob, ...more]) await page.context().close();
    }
  }, 120_000);
});
