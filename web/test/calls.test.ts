import { describe, expect, it } from 'vitest';
import { audioOver, callStats, connectedTo, openPage, signUp, startCoturn, waitFor, startWebServer, useBrowserAndServer, type UserPage } from './browser.js';

/**
 * Calls in real browsers. The browsers' own getStats() is the judge:
 * connection state, inbound audio bytes, and audio energy (the fake
 * microphone plays a tone; silence adds no energy).
 */
const env = useBrowserAndServer();

const roomName = () => `call-${Math.random().toString(36).slice(2, 10)}`;

async function createRoomThroughUi(page: UserPage, name: string) {
  await page.getByLabel('Room name').fill(name);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(`**/r/${name}`);
  await page.getByRole('button', { name: 'Join call' }).waitFor();
}

async function openRoomLink(page: UserPage, name: string) {
  await page.goto(`/r/${name}`);
  await page.getByRole('button', { name: 'Join call' }).waitFor();
}

async function joinCall(page: UserPage) {
  await page.getByRole('button', { name: 'Join call' }).click();
  await page.getByRole('button', { name: 'Leave call' }).waitFor();
}

/** Every connection of the page keeps receiving audio with energy in it. */
async function expectAudioFlowing(page: UserPage, peers: number) {
  const flow = await audioOver(page);
  expect(flow).toHaveLength(peers);
  for (const f of flow) {
    expect(f.bytes, `bytes from ${f.peerId}`).toBeGreaterThan(1000);
    expect(f.energy, `energy from ${f.peerId}`).toBeGreaterThan(0.0001);
  }
}

describe('a call between two people', () => {
  it('connects through the UI and carries audio both ways; mute silences, unmute restores, leaving ends it', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await signUp(ann, 'ann', 'Ann');
    await signUp(bob, 'bob', 'Bob');
    const name = roomName();
    await createRoomThroughUi(ann, name);
    await openRoomLink(bob, name);
    // Each sees the other in the member list.
    await ann.getByRole('region', { name: 'People' }).getByText('Bob', { exact: true }).waitFor();
    await bob.getByRole('region', { name: 'People' }).getByText('Ann', { exact: true }).waitFor();

    await joinCall(ann);
    await joinCall(bob);
    await connectedTo(ann, 1);
    await connectedTo(bob, 1);
    await expectAudioFlowing(ann, 1);
    await expectAudioFlowing(bob, 1);
    await ann
      .getByRole('list', { name: 'In the call', exact: true })
      .getByText(/Connection (good|fair|poor)/)
      .waitFor();

    // Mute: Ann hears no energy from Bob; Bob still hears Ann.
    await bob.getByRole('button', { name: 'Mute' }).click();
    await ann.getByRole('region', { name: 'People' }).getByRole('img', { name: 'Muted' }).waitFor();
    await new Promise((r) => setTimeout(r, 700));
    const muted = await audioOver(ann);
    expect(muted[0]!.energy).toBeLessThan(1e-6);
    await expectAudioFlowing(bob, 1);

    await bob.getByRole('button', { name: 'Unmute' }).click();
    await waitFor('energy arrives again after unmute', async () => (await audioOver(ann, 800))[0]!.energy > 0.0001);

    // Leaving ends the call on the other side too.
    await bob.getByRole('button', { name: 'Leave call' }).click();
    await waitFor('Ann’s connection to Bob is gone', async () => (await callStats(ann)).length === 0);
    expect(await callStats(bob)).toHaveLength(0);
    await bob.getByRole('button', { name: 'Join call' }).waitFor();

    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 120_000);

  it('connects through coturn when only relay candidates are allowed, and carries audio', async () => {
    const secret = `turn-secret-${Math.random().toString(36).slice(2)}`;
    const turn = await startCoturn(secret);
    const relayServer = await startWebServer({ TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, TURN_SECRET: secret });
    try {
      const ann = await openPage(env.browser, relayServer, { relayOnly: true });
      const bob = await openPage(env.browser, relayServer, { relayOnly: true });
      await signUp(ann, 'ann');
      await signUp(bob, 'bob');
      const name = roomName();
      await createRoomThroughUi(ann, name);
      await openRoomLink(bob, name);
      await joinCall(ann);
      await joinCall(bob);
      const [a] = await connectedTo(ann, 1, 30_000);
      const [b] = await connectedTo(bob, 1, 30_000);
      expect(a!.localCandidate).toBe('relay');
      expect(b!.localCandidate).toBe('relay');
      await expectAudioFlowing(ann, 1);
      await expectAudioFlowing(bob, 1);
      await ann.context().close();
      await bob.context().close();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- coturn said ---\n${turn.output().slice(-2000)}`);
    } finally {
      await relayServer.stop();
      await turn.stop();
    }
  }, 120_000);
});

describe('a call of four', () => {
  it('carries audio between every pair, and holds with one screen shared', async () => {
    const pages = await Promise.all([0, 1, 2, 3].map(() => openPage(env.browser, env.server)));
    for (const [i, p] of pages.entries()) await signUp(p, `four${i}`);
    const name = roomName();
    await createRoomThroughUi(pages[0]!, name);
    for (const p of pages.slice(1)) await openRoomLink(p, name);
    for (const p of pages) await joinCall(p);
    for (const p of pages) await connectedTo(p, 3, 40_000);
    for (const p of pages) await expectAudioFlowing(p, 3);

    // The mesh holds with one screen shared: the three others decode it, each copy is capped at a
    // third of a screen's uplink budget (web/src/room/video-caps.ts), and the audio goes on.
    const [sharer, ...viewers] = pages as [UserPage, ...UserPage[]];
    const sharerPeer = await sharer.evaluate(() => document.querySelector('.call-stage li[aria-label$="(you)"]')?.getAttribute('data-peer') ?? '');
    await sharer.getByRole('button', { name: 'Present' }).click();
    for (const [i, p] of viewers.entries()) {
      await p.locator(`figure.presentation[data-screen="${sharerPeer}"]`).waitFor({ timeout: 20_000 });
      await waitFor(
        `the screen decoded by viewer ${i + 1}`,
        async () => ((await callStats(p)).find((s) => s.peerId === sharerPeer)?.framesDecoded ?? 0) > 20,
        20_000,
      );
    }
    const caps = (await callStats(sharer)).flatMap((s) => s.videoCaps);
    expect(caps).toEqual([1_000_000, 1_000_000, 1_000_000]);
    for (const p of pages) await connectedTo(p, 3);
    for (const p of viewers) await expectAudioFlowing(p, 3);
    expect(pages.flatMap((p) => p.problems)).toEqual([]);
    for (const p of pages) await p.context().close();
  }, 180_000);
});
