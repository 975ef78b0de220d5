import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collect, connected, dmSocket, emitAck, useTwoProcesses } from '../test/dm-helpers.js';
import { join, openStream, person, sameSessionOn, type Person } from '../test/rooms-helpers.js';
import { waitFor } from '../test/wait.js';

/**
 * Calls from a conversation, across two processes: the caller on one, the
 * callee's two tabs split over both. Ringing, accept, decline, cancel, the
 * ring timeout, busy, blocking, and the private room each call runs in.
 */

const RING_TIMEOUT_MS = 1500;
const EMPTY_GRACE_MS = 1500;

const procs = useTwoProcesses({ CALL_RING_TIMEOUT_MS: String(RING_TIMEOUT_MS), CALL_EMPTY_GRACE_MS: String(EMPTY_GRACE_MS) });
const open = procs.open;

/** A caller on process a; a callee with one tab on a and one on b; every socket's events collected. */
async function threeTabs() {
  const caller = await person(procs.a, 'ann');
  const callee = await person(procs.a, 'bob');
  const calleeOnB = sameSessionOn(callee, procs.b);
  const [c, t1, t2] = await Promise.all([open(caller), open(callee), open(calleeOnB)]);
  const tabs = { caller: c, tab1: t1, tab2: t2 };
  const events = (event: string) => ({ caller: collect(c, event), tab1: collect(t1, event), tab2: collect(t2, event) });
  return {
    caller,
    callee,
    calleeOnB,
    tabs,
    incoming: events('call:incoming'),
    accepted: events('call:accepted'),
    ended: events('call:ended'),
    messages: events('dm:message'),
  };
}

async function unreadFrom(p: Person, other: string): Promise<number> {
  const res = await p.client.get('/api/dm/conversations');
  return res.body.conversations.find((c: any) => c.with.username === other)?.unread ?? 0;
}

describe('a call from a conversation', () => {
  it('rings every tab of the callee on both processes; accepting on one stops the other; hanging up stores "answered" in the thread', async () => {
    const t = await threeTabs();
    const rung = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    expect(rung.ok).toBe(true);
    const { id, room } = rung.call;
    expect(id).toMatch(/^[a-z2-7]{24}$/);
    for (const tab of [t.incoming.tab1, t.incoming.tab2]) {
      const got = await tab.next((d) => d.call.id === id);
      expect(got.call).toEqual({ id, room, from: { username: t.caller.username, displayName: expect.any(String) } });
    }

    const accepted = await emitAck(t.tabs.tab2, 'call:accept', { id });
    expect(accepted).toEqual({ ok: true, call: { id, room } });
    // Every tab of both hears it, so the callee's other tab stops ringing.
    for (const tab of [t.accepted.caller, t.accepted.tab1, t.accepted.tab2]) {
      expect(await tab.next((d) => d.id === id)).toEqual({ id, by: t.callee.username });
    }
    expect((await emitAck(t.tabs.tab1, 'call:accept', { id })).error.code).toBe('call_not_found');

    // Both join the private room, on different processes, and the stream works as for any room.
    const callerPeer = await join(t.caller, room);
    const calleePeer = await join(t.calleeOnB, room);
    const stream = await openStream(t.calleeOnB, room, calleePeer);
    await stream.next((e) => e.event === 'welcome');
    expect(callerPeer).not.toBe(calleePeer);

    expect(await emitAck(t.tabs.caller, 'call:hangup', { id })).toEqual({ ok: true });
    for (const tab of [t.ended.caller, t.ended.tab1, t.ended.tab2]) {
      const ended = await tab.next((d) => d.id === id);
      expect(ended.outcome).toBe('answered');
      expect(ended.durationS).toBeGreaterThanOrEqual(0);
    }
    // The room closes for whoever is in it, and is gone.
    await stream.next((e) => e.event === 'room-closed');
    stream.close();
    await waitFor('the call’s room is gone', async () => (await t.caller.client.get(`/api/rooms/${room}`)).status === 404);

    const entry = await t.messages.tab1.next((m) => m.kind === 'call');
    expect(entry).toMatchObject({ from: t.caller.username, to: t.callee.username, body: '', kind: 'call', call: { id, outcome: 'answered' } });
    const history = await t.callee.client.get(`/api/dm/${t.caller.username}/messages`);
    expect(history.body.messages.map((m: any) => [m.kind, m.call?.outcome])).toEqual([['call', 'answered']]);
    // A call you answered is not unread.
    await waitFor(
      'the answered call is read',
      async () => (await unreadFrom(t.callee, t.caller.username)) === 0 && (await t.callee.client.get('/api/dm/conversations')).body.conversations.length === 1,
    );
    // A hang-up that comes late, twice, changes nothing.
    expect(await emitAck(t.tabs.tab1, 'call:hangup', { id })).toEqual({ ok: true });
  });

  it('decline: the caller hears "declined", and both threads get the entry', async () => {
    const t = await threeTabs();
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    await t.incoming.tab2.next((d) => d.call.id === call.id);
    expect(await emitAck(t.tabs.tab2, 'call:decline', { id: call.id })).toEqual({ ok: true });
    for (const tab of [t.ended.caller, t.ended.tab1, t.ended.tab2]) expect((await tab.next((d) => d.id === call.id)).outcome).toBe('declined');
    const entry = await t.messages.caller.next((m) => m.kind === 'call');
    expect(entry.call).toEqual({ id: call.id, outcome: 'declined' });
    expect((await emitAck(t.tabs.tab1, 'call:accept', { id: call.id })).error.code).toBe('call_not_found');
  });

  it('cancel: ringing stops on every tab, and the callee finds an unread missed call', async () => {
    const t = await threeTabs();
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    await t.incoming.tab1.next((d) => d.call.id === call.id);
    expect(await emitAck(t.tabs.caller, 'call:cancel', { id: call.id })).toEqual({ ok: true });
    for (const tab of [t.ended.tab1, t.ended.tab2]) expect((await tab.next((d) => d.id === call.id)).outcome).toBe('cancelled');
    await t.messages.tab2.next((m) => m.kind === 'call' && m.call.outcome === 'cancelled');
    expect(await unreadFrom(t.callee, t.caller.username)).toBe(1);
  });

  it('no answer: after the ring timeout both sides hear "missed", the entry is stored and counts as unread', async () => {
    const t = await threeTabs();
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    for (const tab of [t.ended.caller, t.ended.tab1, t.ended.tab2]) {
      expect((await tab.next((d) => d.id === call.id, RING_TIMEOUT_MS + 5000)).outcome).toBe('missed');
    }
    await t.messages.tab1.next((m) => m.kind === 'call' && m.call.outcome === 'missed');
    expect(await unreadFrom(t.callee, t.caller.username)).toBe(1);
    expect((await t.caller.client.get(`/api/rooms/${call.room}`)).status).toBe(404);
  });

  it('a tab opened while the call rings rings too', async () => {
    const t = await threeTabs();
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    const late = procs.track(dmSocket(sameSessionOn(t.callee, procs.b)));
    const lateIncoming = collect(late, 'call:incoming');
    await connected(late);
    expect((await lateIncoming.next((d) => d.call.id === call.id)).call.from.username).toBe(t.caller.username);
    await emitAck(t.tabs.caller, 'call:cancel', { id: call.id });
  });
});

describe('who can ring, and who is busy', () => {
  it('a blocked person cannot ring; an unknown one, yourself or a malformed payload are refused with codes', async () => {
    const t = await threeTabs();
    expect((await t.callee.client.post(`/api/users/${t.caller.username}/block`)).status).toBe(204);
    const refused = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    expect(refused.error.code).toBe('blocked');
    expect(t.incoming.tab1.seen).toHaveLength(0);
    expect((await emitAck(t.tabs.caller, 'call:ring', { to: 'nobody_here_at_all' })).error.code).toBe('unknown_user');
    expect((await emitAck(t.tabs.caller, 'call:ring', { to: t.caller.username })).error.code).toBe('invalid_input');
    for (const bad of [undefined, null, 42, 'x', { to: 5 }, { to: 'a b' }, []]) {
      expect((await emitAck(t.tabs.caller, 'call:ring', bad)).error.code).toBe('invalid_input');
    }
    for (const event of ['call:accept', 'call:decline', 'call:cancel', 'call:hangup']) {
      for (const bad of [undefined, { id: 7 }, { id: 'short' }, { id: '../../x' }]) {
        expect((await emitAck(t.tabs.tab1, event, bad)).error.code).toBe('invalid_input');
      }
    }
  });

  it('someone in a call is busy: the new caller hears "busy" at once and the callee finds it in the thread', async () => {
    const t = await threeTabs();
    const { call: first } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    await emitAck(t.tabs.tab1, 'call:accept', { id: first.id });
    await join(t.caller, first.room);
    const carol = await person(procs.b, 'carol');
    const carolTab = await open(carol);
    const carolEnded = collect(carolTab, 'call:ended');
    const second = await emitAck(carolTab, 'call:ring', { to: t.callee.username });
    expect(second.ok).toBe(true);
    expect((await carolEnded.next((d) => d.id === second.call.id)).outcome).toBe('busy');
    await t.messages.tab2.next((m) => m.kind === 'call' && m.from === carol.username && m.call.outcome === 'busy');
    expect(t.incoming.tab1.seen.some((d) => d.call.id === second.call.id)).toBe(false);
    await emitAck(t.tabs.caller, 'call:hangup', { id: first.id });
  });

  it('only the callee can accept or decline; a stranger’s hang-up changes nothing', async () => {
    const t = await threeTabs();
    const mallory = await person(procs.b, 'mal');
    const malTab = await open(mallory);
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    expect((await emitAck(malTab, 'call:accept', { id: call.id })).error.code).toBe('call_not_found');
    expect((await emitAck(t.tabs.caller, 'call:accept', { id: call.id })).error.code).toBe('call_not_found');
    expect(await emitAck(malTab, 'call:hangup', { id: call.id })).toEqual({ ok: true });
    expect(await emitAck(malTab, 'call:decline', { id: call.id })).toEqual({ ok: true });
    // Still ringing: the callee can accept.
    expect((await emitAck(t.tabs.tab1, 'call:accept', { id: call.id })).ok).toBe(true);
    await emitAck(t.tabs.tab1, 'call:hangup', { id: call.id });
  });

  it('ringing someone while in a call ends that call first', async () => {
    const t = await threeTabs();
    const { call: first } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    await emitAck(t.tabs.tab1, 'call:accept', { id: first.id });
    const carol = await person(procs.b, 'carol');
    const second = await emitAck(t.tabs.caller, 'call:ring', { to: carol.username });
    expect(second.ok).toBe(true);
    expect((await t.ended.tab2.next((d) => d.id === first.id)).outcome).toBe('answered');
    await emitAck(t.tabs.caller, 'call:cancel', { id: second.call.id });
  });

  it('an accepted call nobody joins ends by itself after the grace period', async () => {
    const t = await threeTabs();
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    await emitAck(t.tabs.tab2, 'call:accept', { id: call.id });
    expect((await t.ended.caller.next((d) => d.id === call.id, EMPTY_GRACE_MS + 5000)).outcome).toBe('answered');
  });
});

describe('the private room of a call', () => {
  it('is not listed, is invisible and closed to a third person, and has no settings', async () => {
    const t = await threeTabs();
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    const eve = await person(procs.b, 'eve');
    const listed = await eve.client.get('/api/rooms');
    expect(listed.body.rooms.map((r: any) => r.name)).not.toContain(call.room);
    expect((await t.caller.client.get('/api/rooms')).body.rooms.map((r: any) => r.name)).not.toContain(call.room);
    expect((await eve.client.get(`/api/rooms/${call.room}`)).status).toBe(404);
    const refused = await eve.client.post(`/api/rooms/${call.room}/join`, {});
    expect([refused.status, refused.body.error.code]).toEqual([403, 'not_invited']);
    const mine = await t.caller.client.get(`/api/rooms/${call.room}`);
    expect(mine.body.room.private).toBe(true);
    expect((await t.callee.client.get(`/api/rooms/${call.room}`)).body.room.private).toBe(true);
    const patch = await t.caller.client.patch(`/api/rooms/${call.room}`, { capacity: 16 });
    expect([patch.status, patch.body.error.code]).toEqual([409, 'private_room']);
    // The callee may join even before accepting (the link alone gives nothing to anyone else).
    await join(t.calleeOnB, call.room);
    await emitAck(t.tabs.caller, 'call:cancel', { id: call.id });
  });
});

describe('hostile call events', () => {
  it('any payload to any call event gets a documented ack, rings nobody and ends no call', async () => {
    const t = await threeTabs();
    const { call } = await emitAck(t.tabs.caller, 'call:ring', { to: t.callee.username });
    await t.incoming.tab1.next((d) => d.call.id === call.id);
    const mallory = await person(procs.b, 'mal');
    const malTab = await open(mallory);
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.constantFrom(call.id, call.id.toUpperCase(), `${call.id} `, t.callee.username, t.caller.username, '__proto__'),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    );
    const payload = fc.oneof(value, fc.record({ id: value, to: value, from: value, by: value }, { requiredKeys: [] }));
    const event = fc.constantFrom('call:ring', 'call:accept', 'call:decline', 'call:cancel', 'call:hangup');
    const codes = new Set(['invalid_input', 'unknown_user', 'blocked', 'rate_limited', 'call_not_found']);
    await fc.assert(
      fc.asyncProperty(event, payload, async (name, data) => {
        const ack = await emitAck(malTab, name, data);
        expect(typeof ack.ok).toBe('boolean');
        if (!ack.ok) expect(codes.has(ack.error.code), JSON.stringify(ack)).toBe(true);
        // A ring Mallory's payload managed to aim at someone is ended again, so rings stay bounded.
        if (ack.ok && ack.call) await emitAck(malTab, 'call:cancel', { id: ack.call.id });
      }),
      { numRuns: 150 },
    );
    // The real call is untouched: still ringing, and the callee can accept it.
    expect(t.ended.tab1.seen.some((d) => d.id === call.id)).toBe(false);
    expect((await emitAck(t.tabs.tab2, 'call:accept', { id: call.id })).ok).toBe(true);
    await emitAck(t.tabs.tab2, 'call:hangup', { id: call.id });
  });
});
