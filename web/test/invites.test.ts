import { describe, expect, it } from 'vitest';
import { installAxe, seriousFindings, settle, shootLooks } from './a11y-audit.js';
import { createRoom, person } from '../../src/test/rooms-helpers.js';
import { openPage, signUp, useBrowserAndServer, type UserPage } from './browser.js';

/**
 * Invites in the browser: Ann invites Bob into her locked room from the room's header; Bob hears
 * of it as of any DM, and Join takes him in without the password. After Ann removes him he is
 * kept out until she invites him again. INVITES_SCREENSHOTS=<dir> saves the dialog and the card
 * in each look there, to look at.
 */
const env = useBrowserAndServer();
const SCREENSHOTS = process.env.INVITES_SCREENSHOTS;
const people = (page: UserPage) => page.getByRole('region', { name: 'People' });
const thread = (page: UserPage) => page.getByRole('log', { name: 'Messages' });

const shoot = (page: UserPage, name: string) => shootLooks(page, SCREENSHOTS, name);

/** Ann, in her room, sends Bob an invite through the dialog and sees it said. */
async function invite(ann: UserPage, bob: UserPage) {
  await ann.getByRole('button', { name: 'Invite' }).click();
  const dialog = ann.getByRole('dialog', { name: /^Invite to / });
  await dialog.getByLabel('Find people').fill(bob.username);
  await dialog.getByRole('radio', { name: new RegExp(`@${bob.username}`) }).check();
  await dialog.getByRole('button', { name: 'Send invite' }).click();
  await dialog.getByText('Invite sent to Bob — it lets them in for 15 minutes.').waitFor();
  return dialog;
}

describe('invites', () => {
  it('Ann invites Bob into her locked room; Bob hears of it, Join takes him in without the password; after a removal only a new invite does', async () => {
    const ann = await openPage(env.browser, env.server);
    const bob = await openPage(env.browser, env.server);
    await installAxe(ann);
    await installAxe(bob);
    await signUp(ann, 'ann', 'Ann');
    await signUp(bob, 'bob', 'Bob');
    const room = `inv-${Math.random().toString(36).slice(2, 10)}`;
    await ann.getByLabel('Room name').fill(room);
    await ann.getByText('Room options').click();
    await ann.getByLabel('Room password (optional)').fill('open sesame');
    await ann.getByRole('button', { name: 'Create room' }).click();
    await ann.waitForURL(`**/r/${room}`);
    await ann.getByRole('heading', { level: 1, name: `${room} (locked)` }).waitFor();

    // The dialog: nothing chosen is said beside the field, and an invite goes out.
    await ann.getByRole('button', { name: 'Invite' }).click();
    const dialog = ann.getByRole('dialog', { name: `Invite to “${room}”` });
    await dialog.waitFor();
    expect(await ann.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('invite-search');
    await dialog.getByRole('button', { name: 'Send invite' }).click();
    await dialog.getByRole('alert').getByText('Find someone, then choose them from the list.').waitFor();
    expect(await dialog.getByLabel('Find people').getAttribute('aria-invalid')).toBe('true');
    await dialog.getByLabel('Find people').fill(`@${bob.username}`);
    // The one match is chosen already, so Enter sends it.
    await dialog
      .getByRole('radio', { name: new RegExp(`@${bob.username}`) })
      .and(ann.locator(':checked'))
      .waitFor();
    await settle(ann);
    expect(await seriousFindings(ann)).toEqual([]);
    await shoot(ann, 'invite-dialog');
    await dialog.getByLabel('Find people').press('Enter');
    await dialog.getByRole('status').getByText('Invite sent to Bob — it lets them in for 15 minutes.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await ann.evaluate(() => document.activeElement?.textContent)).toContain('Invite');

    // Bob, on Home, hears of it as of any message: the unread count and a toast.
    await bob.getByRole('link', { name: 'Messages, 1 unread' }).waitFor({ timeout: 15_000 });
    const toast = bob.getByRole('status').getByRole('link', { name: /New message from Ann/ });
    await toast.getByText(`Invite to ${room}`).waitFor();
    await toast.click();
    await bob.waitForURL(`**/dm/${ann.username}`);
    const card = thread(bob)
      .getByRole('listitem')
      .filter({ hasText: `Ann invited you to ${room}` });
    await card.waitFor();
    await card.getByText(/Valid until .* — no password needed\./).waitFor();
    await bob.getByRole('list', { name: 'Conversations' }).getByText(`Invite to ${room}`).waitFor();
    await settle(bob);
    expect(await seriousFindings(bob)).toEqual([]);
    await shoot(bob, 'invite-card');
    await ann.goto(`/dm/${bob.username}`);
    await thread(ann).getByText(`You invited Bob to ${room}`).waitFor();
    expect(
      await thread(ann)
        .getByRole('link', { name: `Join ${room}` })
        .count(),
    ).toBe(0);
    await ann.goto(`/r/${room}`);
    await people(ann).getByText('Ann', { exact: true }).waitFor();

    // Join: into the room with no password asked, and Ann sees him.
    await card.getByRole('link', { name: `Join ${room}` }).click();
    await bob.waitForURL(`**/r/${room}`);
    await bob.getByRole('button', { name: 'Join call' }).waitFor();
    expect(await bob.getByLabel('Room password').count()).toBe(0);
    await people(ann).getByText('Bob', { exact: true }).waitFor();

    // Removed: kept out, his first invite notwithstanding, until Ann invites him again.
    ann.once('dialog', (d) => void d.accept());
    await people(ann)
      .getByRole('button', { name: `Remove Bob (@${bob.username}) from the room` })
      .click();
    await bob.getByText('You were removed from this room by its owner.').waitFor();
    await people(ann).getByText('Bob', { exact: true }).waitFor({ state: 'detached' });
    await bob.goto(`/dm/${ann.username}`);
    await card.getByRole('link', { name: `Join ${room}` }).click();
    await bob.getByText('You were removed from this room by its owner.').waitFor();
    expect(await bob.getByLabel('Room password').count()).toBe(0);

    await invite(ann, bob);
    await bob.goto(`/dm/${ann.username}`);
    const cards = thread(bob)
      .getByRole('listitem')
      .filter({ hasText: `Ann invited you to ${room}` });
    await cards.nth(1).waitFor();
    await cards
      .nth(1)
      .getByRole('link', { name: `Join ${room}` })
      .click();
    await bob.getByRole('button', { name: 'Join call' }).waitFor();
    await people(ann).getByText('Bob', { exact: true }).waitFor();
    expect([...ann.problems, ...bob.problems]).toEqual([]);

    // Sixteen minutes on, both invites have run out: the cards say so and offer no Join.
    await bob.clock.install({ time: Date.now() + 16 * 60_000 });
    await bob.goto(`/dm/${ann.username}`);
    await cards.nth(1).getByText('Invite expired').waitFor();
    expect(await thread(bob).getByText('Invite expired').count()).toBe(2);
    expect(
      await thread(bob)
        .getByRole('link', { name: `Join ${room}` })
        .count(),
    ).toBe(0);
    await shoot(bob, 'invite-expired');
    expect([...ann.problems, ...bob.problems]).toEqual([]);
    await ann.context().close();
    await bob.context().close();
  }, 90_000);

  it('an invite the server no longer honours (its room deleted and made again) gets the password form, saying so, and is forgotten', async () => {
    const ann = await person(env.server, 'ann');
    const bob = await openPage(env.browser, env.server);
    await signUp(bob, 'bob', 'Bob');
    const room = `inv-${Math.random().toString(36).slice(2, 10)}`;
    await createRoom(ann, room, { password: 'open sesame' });
    expect((await ann.client.post(`/api/rooms/${room}/invites`, { username: bob.username })).status).toBe(201);
    await bob.goto(`/dm/${ann.username}`);
    await thread(bob)
      .getByRole('link', { name: `Join ${room}` })
      .click();
    await bob.getByRole('button', { name: 'Join call' }).waitFor();

    // The same name, a new room: the invite was for the old one.
    expect((await ann.client.delete(`/api/rooms/${room}`)).status).toBe(204);
    await createRoom(ann, room, { password: 'open sesame' });
    await bob.goto(`/r/${room}`);
    await bob.getByRole('alert').getByText('Your invite has run out. Enter the room’s password, or ask for a new invite.').waitFor();
    await bob.goto(`/r/${room}`);
    await bob.getByLabel('Room password').waitFor();
    expect(await bob.getByText('Your invite has run out', { exact: false }).count()).toBe(0);
    await bob.getByLabel('Room password').fill('open sesame');
    await bob.getByRole('button', { name: 'Join room' }).click();
    await bob.getByRole('button', { name: 'Join call' }).waitFor();
    expect(bob.problems).toEqual([]);
    await bob.context().close();
  }, 60_000);
});
