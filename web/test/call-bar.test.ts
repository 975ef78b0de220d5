import { describe, expect, it } from 'vitest';
import { audioOver, callStats, connectedTo, twoInACall, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * A call that survives navigation: the call belongs to the app shell, not to
 * the room screen, so Home and Messages keep it, with a call bar that shows
 * the room, the time, mute and leave. A reload mid-call rejoins by itself.
 * The browsers' getStats() is the judge of audio.
 */
const env = useBrowserAndServer();

async function expectAudioFlowing(page: UserPage) {
  await waitFor(
    'audio with energy arrives',
    async () => {
      const flow = await audioOver(page, 800);
      return flow.length === 1 && flow[0]!.bytes > 500 && flow[0]!.energy > 0.0001;
    },
    15_000,
  );
}

const timerSeconds = async (page: UserPage) => {
  const [m, s] = (await page.getByRole('region', { name: 'Ongoing call' }).getByRole('timer').textContent())!.split(':').map(Number);
  return m! * 60 + s!;
};

describe('the call bar', () => {
  it('keeps the call through Messages and Home, mutes, leads back to the room, and leaves', async () => {
    const { ann, bob, room } = await twoInACall(env.browser, env.server, 'bar');
    const bar = ann.getByRole('region', { name: 'Ongoing call' });
    // On the room screen itself the bar is not shown: the room has these controls.
    expect(await bar.count()).toBe(0);

    await ann.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
    await ann.waitForURL('**/dm');
    await bar.getByRole('link', { name: room }).waitFor();
    await expectAudioFlowing(ann);
    await expectAudioFlowing(bob);

    await ann.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rooms' }).click();
    await ann.getByRole('heading', { name: /^Hello, / }).waitFor();
    await bar.getByRole('link', { name: room }).waitFor();
    const first = await timerSeconds(ann);
    await waitFor('the call timer runs', async () => (await timerSeconds(ann)) > first, 5000);
    await expectAudioFlowing(ann);
    await expectAudioFlowing(bob);

    // Mute from the bar: Bob hears no energy from Ann, and sees her muted.
    await bar.getByRole('button', { name: 'Mute' }).click();
    await bar.getByRole('button', { name: 'Unmute' }).waitFor();
    await bob.getByRole('region', { name: 'People' }).getByRole('img', { name: 'Muted' }).waitFor();
    await waitFor('no energy reaches Bob', async () => (await audioOver(bob, 600))[0]!.energy < 1e-6, 10_000);
    await bar.getByRole('button', { name: 'Unmute' }).click();
    await expectAudioFlowing(bob);

    // The room link leads back to the room screen, the call still on.
    await bar.getByRole('link', { name: room }).click();
    await ann.waitForURL(`**/r/${room}`);
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    expect(await bar.count()).toBe(0);
    await ann
      .getByRole('list', { name: 'In the call', exact: true })
      .getByText(/Connection (good|fair|poor)/)
      .waitFor();
    await connectedTo(ann, 1);
    await expectAudioFlowing(ann);

    // Leave from the bar, on another screen: the call ends on Bob's side.
    await ann.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
    await bar.getByRole('button', { name: 'Leave call' }).click();
    await bar.waitFor({ state: 'detached' });
    await waitFor('Bob’s connection to Ann is gone', async () => (await callStats(bob)).length === 0, 10_000);
    expect(await callStats(ann)).toHaveLength(0);
    // Out of the call and off the room screen, Ann has left the room too.
    await bob.getByRole('region', { name: 'People' }).getByText('Ann', { exact: true }).waitFor({ state: 'detached' });

    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  });

  it('rejoins the call by itself after a reload mid-call, on the room screen and on another screen', async () => {
    const { ann, bob, room } = await twoInACall(env.browser, env.server, 'reload');

    await ann.reload();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    await connectedTo(ann, 1);
    await connectedTo(bob, 1);
    await expectAudioFlowing(ann);
    await expectAudioFlowing(bob);
    // One Ann in the room, in one tab: the tab before the reload left.
    const bobsPeople = bob.getByRole('region', { name: 'People' });
    await waitFor(
      'Bob sees one Ann in one tab',
      async () => (await bobsPeople.getByText('Ann', { exact: true }).count()) === 1 && (await bobsPeople.getByText(/\d tabs/).count()) === 0,
      25_000,
    );

    await ann.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
    await ann.reload();
    const bar = ann.getByRole('region', { name: 'Ongoing call' });
    await bar.getByRole('link', { name: room }).waitFor();
    await connectedTo(ann, 1);
    await connectedTo(bob, 1);
    await expectAudioFlowing(ann);
    await expectAudioFlowing(bob);

    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  });

  it('asks before another room ends the call, and going back keeps it', async () => {
    const { ann, bob, room } = await twoInACall(env.browser, env.server, 'switch');
    const other = `${room}-x`;
    const go = (path: string) =>
      ann.evaluate((p) => {
        history.pushState(null, '', p);
        dispatchEvent(new PopStateEvent('popstate'));
      }, path);
    await go(`/r/${other}`);
    await ann.getByText(`You are in a call in “${room}”`).waitFor();
    await ann.getByRole('link', { name: `Back to the call in ${room}` }).click();
    await ann.waitForURL(`**/r/${room}`);
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    await connectedTo(ann, 1);
    await expectAudioFlowing(bob);

    await go(`/r/${other}`);
    await ann.getByRole('button', { name: `Leave call and open ${other}` }).click();
    await waitFor('Bob’s connection to Ann is gone', async () => (await callStats(bob)).length === 0, 10_000);
    await bob.getByRole('region', { name: 'People' }).getByText('Ann', { exact: true }).waitFor({ state: 'detached' });
    // Reloading now opens the other room, not the call that was left.
    await ann.reload();
    await ann.getByRole('heading', { name: other }).waitFor();
    expect(await ann.getByRole('region', { name: 'Ongoing call' }).count()).toBe(0);

    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  });
});
