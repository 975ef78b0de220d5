import { describe, expect, it } from 'vitest';
import { collect, emitAck, useTwoProcesses } from '../test/dm-helpers.js';
import { person, sameSessionOn, type Person } from '../test/rooms-helpers.js';
import { waitFor } from '../test/wait.js';

/**
 * Nothing from a blocked user reaches the blocker: not typing, not read
 * markers, not a message re-announced by a retried clientId. Two processes:
 * the block is made on one, the blocked user's events arrive on the other.
 */

const procs = useTwoProcesses();
const open = procs.open;
const idOf = async (p: Person) => (await p.client.get('/api/me')).body.user.id as number;
let seq = 0;
const cid = () => `r${Date.now().toString(36)}${(seq++).toString(36)}`;

describe('a blocked user', () => {
  it('reaches the blocker with no typing, no read marker and no re-announced message', async () => {
    const ann = await person(procs.a, 'ann'); // will be blocked
    const bob = await person(procs.b, 'bob'); // blocks ann
    const cat = await person(procs.a, 'cat'); // a bystander
    const annTab = await open(ann);
    const bobTabs = [await open(bob), await open(sameSessionOn(bob, procs.a))];
    const catTab = await open(cat);

    const oldClientId = cid();
    const old = (await emitAck(annTab, 'dm:send', { to: bob.username, body: 'before the block', clientId: oldClientId })).message;
    await emitAck(bobTabs[0]!, 'dm:send', { to: ann.username, body: 'reply', clientId: cid() });
    // Ann's process learns (and caches) that Bob accepts her typing.
    const bobTyping = collect(bobTabs[0]!, 'dm:typing');
    annTab.emit('dm:typing', { to: bob.username });
    await bobTyping.next();

    expect((await bob.client.post(`/api/users/${ann.username}/block`)).status).toBe(204);
    const [annId, bobId] = [await idOf(ann), await idOf(bob)];
    // The block was made on process b; process a hears of it through Redis.
    await waitFor('process a knows of the block', () => procs.a.parley.dm.blocks.isBlocked(bobId, annId), 5000);

    const bobMessages = bobTabs.map((t) => collect(t, 'dm:message'));
    const seen = [...bobMessages, ...bobTabs.flatMap((t) => [collect(t, 'dm:typing'), collect(t, 'dm:read')])];
    const annReads = collect(annTab, 'dm:read');
    const catTyping = collect(catTab, 'dm:typing');
    annTab.emit('dm:typing', { to: bob.username });
    annTab.emit('dm:typing', { to: cat.username });
    await catTyping.next();

    // A read marker far past the end: acked, stored clamped, told only to Ann's own tabs, as stored.
    expect(await emitAck(annTab, 'dm:read', { with: bob.username, upTo: 9_000_000_000 })).toEqual({ ok: true });
    const lastId = (await bob.client.get(`/api/dm/${ann.username}/messages`)).body.messages.at(-1).id;
    expect(await annReads.next()).toEqual({ by: ann.username, with: bob.username, upTo: lastId });

    // The old clientId again, addressed to someone else: the ack is the stored message, nobody is told again.
    const retry = await emitAck(annTab, 'dm:send', { to: cat.username, body: 'again', clientId: oldClientId });
    expect(retry).toEqual({ ok: true, message: old });
    expect((await emitAck(annTab, 'dm:send', { to: bob.username, body: 'again', clientId: oldClientId })).error.code).toBe('blocked');

    // A marker from Cat, published after all of the above: once Bob has it, anything of Ann's would have arrived.
    const marker = (await emitAck(catTab, 'dm:send', { to: bob.username, body: 'marker', clientId: cid() })).message;
    for (const messages of bobMessages) await messages.next((m) => m.id === marker.id);
    const fromAnn = seen.flatMap((c): unknown[] => c.seen).filter((e) => JSON.stringify(e).includes(ann.username));
    expect(fromAnn).toEqual([]);
    expect((await bob.client.get('/api/dm/conversations')).body.conversations.find((c: any) => c.with.username === ann.username).unread).toBe(1);
  });

  it('a retried clientId is acked with the stored message but announced only once, blocked or not', async () => {
    const ann = await person(procs.a, 'ann');
    const bob = await person(procs.b, 'bob');
    const annTab = await open(ann);
    const bobMessages = collect(await open(bob), 'dm:message');
    const annMessages = collect(await open(sameSessionOn(ann, procs.b)), 'dm:message');
    const clientId = cid();
    const first = (await emitAck(annTab, 'dm:send', { to: bob.username, body: 'once', clientId })).message;
    const retries = await Promise.all([0, 1].map(() => emitAck(annTab, 'dm:send', { to: bob.username, body: 'once', clientId })));
    for (const r of retries) expect(r.message).toEqual(first);
    const marker = (await emitAck(annTab, 'dm:send', { to: bob.username, body: 'marker', clientId: cid() })).message;
    await bobMessages.next((m) => m.id === marker.id);
    await annMessages.next((m) => m.id === marker.id);
    expect(bobMessages.seen.map((m) => m.id)).toEqual([first.id, marker.id]);
    expect(annMessages.seen.map((m) => m.id)).toEqual([first.id, marker.id]);
  });

  it('after an unblock on one process, typing through the other reaches the former blocker again', async () => {
    const ann = await person(procs.a, 'ann');
    const bob = await person(procs.b, 'bob');
    const annTab = await open(ann);
    const bobTab = await open(bob);
    await emitAck(bobTab, 'dm:send', { to: ann.username, body: 'hello', clientId: cid() });
    expect((await bob.client.post(`/api/users/${ann.username}/block`)).status).toBe(204);
    expect((await bob.client.delete(`/api/users/${ann.username}/block`)).status).toBe(204);
    const [annId, bobId] = [await idOf(ann), await idOf(bob)];
    await waitFor('process a knows of the unblock', async () => !(await procs.a.parley.dm.blocks.isBlocked(bobId, annId)), 5000);
    const typing = collect(bobTab, 'dm:typing');
    annTab.emit('dm:typing', { to: bob.username });
    expect(await typing.next()).toEqual({ from: ann.username });
  });
});
