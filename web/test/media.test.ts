import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, callStats, connectedTo, twoInACall, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * Camera and screen in the mesh, in Chromium with its fake camera and an auto-selected (fake)
 * screen: turning them on renegotiates every connection, the far side decodes frames (getStats'
 * framesDecoded keeps rising), the sharer's screen becomes the large tile and stopping restores
 * the layout. (A four-person mesh with one screen shared: web/test/calls.test.ts.)
 */
// Two fake cameras, so that switching cameras mid-call can be seen.
const env = useBrowserAndServer(CHROMIUM_ARGS.map((a) => (a === '--use-fake-device-for-media-stream' ? `${a}=device-count=2` : a)));

/** Frames decoded from `peerId` by `page`, now. */
async function framesFrom(page: UserPage, peerId: string): Promise<number> {
  return (await callStats(page)).find((s) => s.peerId === peerId)?.framesDecoded ?? 0;
}

/** Waits until `page` decodes frames from `peerId` and keeps decoding them (two readings apart). */
async function videoFlows(page: UserPage, peerId: string, what: string) {
  const first = await waitFor(`${what}: frames decoded`, async () => (await framesFrom(page, peerId)) > 10 && framesFrom(page, peerId), 20_000);
  await waitFor(`${what}: frames still decoded`, async () => (await framesFrom(page, peerId)) > first + 10, 10_000);
}

/** Frames painted in 1.5 s by the <video> matching `selector` (0 when there is none). */
function framesPainted(page: UserPage, selector: string): Promise<number> {
  return page.evaluate(async (selector) => {
    const video = document.querySelector<HTMLVideoElement>(selector);
    if (!video) return 0;
    let n = 0;
    const count = () => {
      n++;
      video.requestVideoFrameCallback(count);
    };
    video.requestVideoFrameCallback(count);
    await new Promise((r) => setTimeout(r, 1500));
    return n;
  }, selector);
}

const peerIdOf = (page: UserPage) => page.evaluate(() => document.querySelector('.call-stage li[aria-label$="(you)"]')?.getAttribute('data-peer') ?? '');

describe('camera and screen', () => {
  it('camera on and off, a screen shown large and the layout restored when it stops, two cameras turned on at once, another camera chosen', async () => {
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
      expect(await framesPainted(bob, 'figure.presentation video')).toBeGreaterThan(5);
      // The screen came with sound (Chromium's fake capture offers it, as a tab would): Bob plays it.
      await waitFor('the screen’s sound playing at Bob', async () => (await bob.locator(`audio[data-screen][data-peer="${annPeer}"]`).count()) === 1, 10_000);
      expect(await bob.evaluate(() => (document.querySelector('audio[data-screen]') as HTMLAudioElement).paused)).toBe(false);
      // The screen keeps its resolution: a 1280-wide fake screen arrives wider than the camera's 640.
      const width = (await callStats(bob)).find((s) => s.peerId === annPeer)?.frameWidth ?? 0;
      expect(width).toBeGreaterThan(640);
      expect(await bob.locator('.call-stage.strip').count()).toBe(1);

      // Stopping (from the large tile's button) restores the grid at both ends.
      await ann.getByRole('button', { name: 'Stop presenting' }).first().click();
      await waitFor('presentation gone at Bob', async () => (await presentation.count()) === 0, 15_000);
      expect(await bob.locator('audio[data-screen]').count()).toBe(0);
      expect(await bob.locator('.call-stage.strip').count()).toBe(0);
      expect(await ann.locator('figure.presentation').count()).toBe(0);
      // Both turn their cameras on at the same moment: the two offers cross, the polite rule
      // settles it, and each ends up with the other's camera.
      const bobPeer = await peerIdOf(bob);
      await Promise.all([ann.getByRole('button', { name: 'Camera' }).click(), bob.getByRole('button', { name: 'Camera' }).click()]);
      await videoFlows(bob, annPeer, 'Ann’s camera at Bob, after both turned theirs on');
      await videoFlows(ann, bobPeer, 'Bob’s camera at Ann, after both turned theirs on');
      // Ann picks her other camera in Devices: its track replaces the first on the connection
      // (no renegotiation), and Bob goes on decoding her video.
      const sentLabel = async () => (await callStats(ann))[0]?.videoSources.join(',');
      expect(await sentLabel()).toBe('fake_device_0');
      await ann.getByRole('button', { name: 'Devices' }).click();
      await ann.getByRole('dialog', { name: 'Microphone, camera and speaker' }).getByLabel('Camera').selectOption({ label: 'fake_device_1' });
      await waitFor('Ann sends her second camera', async () => (await sentLabel()) === 'fake_device_1', 10_000);
      // (Chromium's second fake camera makes frames that its encoder never sends, so what Bob
      // decodes is checked once Ann is back on the first: a fresh track of it on the same sender.)
      await ann.getByRole('dialog', { name: 'Microphone, camera and speaker' }).getByLabel('Camera').selectOption({ label: 'fake_device_0' });
      await waitFor('Ann sends her first camera again', async () => (await sentLabel()) === 'fake_device_0', 10_000);
      await videoFlows(bob, annPeer, 'Ann’s camera at Bob after switching');
      expect(await framesPainted(bob, `.call-stage li[data-peer="${annPeer}"] video`)).toBeGreaterThan(5);
      await ann.keyboard.press('Escape');
      // Still connected after all these renegotiations.
      await connectedTo(bob, 1);
      expect([...ann.problems, ...bob.problems]).toEqual([]);
    } finally {
      await ann.context().close();
      await bob.context().close();
    }
  }, 90_000);
});
