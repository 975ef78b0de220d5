import { describe, expect, it } from 'vitest';
import { installAxe, seriousFindings, settle, shootLooks } from './a11y-audit.js';
import { audioOver, callStats, openPage, signUp, twoInACall, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * A room's owner in the browser: removing someone during a call (their call ends and their screen
 * says why), and changing the password and capacity in Room settings.
 * MODERATION_SCREENSHOTS=<dir> saves the owner's controls in each look there, to look at.
 */
const env = useBrowserAndServer();
const SCREENSHOTS = process.env.MODERATION_SCREENSHOTS;
const people = (page: UserPage) => page.getByRole('region', { name: 'People' });
const stage = (page: UserPage) => page.getByRole('list', { name: 'In the call', exact: true });

const shoot = (page: UserPage, name: string) => shootLooks(page, SCREENSHOTS, name);

describe('the owner removes someone', () => {
  it('ends Bob’s call, tells him he was removed, drops him from Ann’s stage, and keeps him out', async () => {
    const { ann, bob, room } = await twoInACall(env.browser, env.server, 'mod');
    await stage(ann).getByRole('listitem', { name: 'Bob', exact: true }).waitFor();
    expect((await audioOver(bob)).length).toBe(1);
    // Only the owner sees the action, and not on her own row.
    expect(
      await people(bob)
        .getByRole('button', { name: /^Remove / })
        .count(),
    ).toBe(0);
    const remove = people(ann).getByRole('button', { name: `Remove Bob (@${bob.username}) from the room` });
    expect(
      await people(ann)
        .getByRole('button', { name: /^Remove / })
        .count(),
    ).toBe(1);
    await shoot(ann, 'owner-in-call');

    // Cancelling the confirmation removes no one.
    ann.once('dialog', (d) => void d.dismiss());
    await remove.click();
    await new Promise((r) => setTimeout(r, 300));
    expect(await stage(ann).getByRole('listitem', { name: 'Bob', exact: true }).count()).toBe(1);

    ann.once('dialog', (d) => {
      expect(d.message()).toContain('10 minutes');
      void d.accept();
    });
    await remove.click();
    await bob.getByText('You were removed from this room by its owner.').waitFor();
    await bob.getByRole('link', { name: 'Back to Home' }).waitFor();
    await waitFor('Bob’s call is over', async () => (await callStats(bob)).length === 0);
    expect(await bob.getByRole('button', { name: 'Leave call' }).count()).toBe(0);
    await waitFor('Ann’s stage has no Bob', async () => (await stage(ann).getByRole('listitem', { name: 'Bob', exact: true }).count()) === 0);
    await waitFor('Ann’s connection to Bob is gone', async () => (await callStats(ann)).length === 0);
    await people(ann).getByText('Bob', { exact: true }).waitFor({ state: 'detached' });
    await shoot(bob, 'removed');

    // No rejoin loop: a while later he is still out, and opening the room again says why.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await people(ann).getByText('Bob', { exact: true }).count()).toBe(0);
    await bob.goto(`/r/${room}`);
    await bob.getByText('You were removed from this room by its owner.').waitFor();
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  });
});

describe('room settings', () => {
  it('set a password that a new joiner is asked for, refuse a bad capacity beside the field, and remove the password', async () => {
    const ann = await openPage(env.browser, env.server);
    await installAxe(ann);
    await signUp(ann, 'ann', 'Ann');
    const room = `set-${Math.random().toString(36).slice(2, 10)}`;
    await ann.getByLabel('Room name').fill(room);
    await ann.getByRole('button', { name: 'Create room' }).click();
    await ann.waitForURL(`**/r/${room}`);
    await ann.getByRole('button', { name: 'Room settings' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Room settings' });
    await dialog.waitFor();
    await dialog.getByLabel('Password').fill('open sesame');
    await dialog.getByLabel('Capacity').fill('1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Choose a whole number from 2 to 16.').waitFor();
    expect(await dialog.getByLabel('Capacity').getAttribute('aria-invalid')).toBe('true');
    await settle(ann);
    expect(await seriousFindings(ann)).toEqual([]);
    await shoot(ann, 'settings-error');
    await dialog.getByLabel('Capacity').fill('3');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await ann.getByRole('heading', { level: 1, name: `${room} (locked)` }).waitFor();
    // Focus goes back to the button that opened the dialog.
    expect(await ann.evaluate(() => document.activeElement?.textContent)).toContain('Room settings');

    const cy = await openPage(env.browser, env.server);
    await signUp(cy, 'cy', 'Cy');
    await cy.goto(`/r/${room}`);
    await cy.getByLabel('Room password').fill('open sesame');
    await cy.getByRole('button', { name: 'Join room' }).click();
    await cy.getByRole('button', { name: 'Join call' }).waitFor();

    await ann.getByRole('button', { name: 'Room settings' }).click();
    await dialog.getByLabel('Remove the password (anyone can join)').check();
    await shoot(ann, 'settings-locked');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await ann.getByRole('heading', { level: 1, name: room, exact: true }).waitFor();
    const dee = await openPage(env.browser, env.server);
    await signUp(dee, 'dee', 'Dee');
    await dee.goto(`/r/${room}`);
    await dee.getByRole('button', { name: 'Join call' }).waitFor();
    expect(await dee.getByLabel('Room password').count()).toBe(0);
    expect([...ann.problems, ...cy.problems, ...dee.problems]).toEqual([]);
    for (const p of [ann, cy, dee]) await p.context().close();
  });
});
