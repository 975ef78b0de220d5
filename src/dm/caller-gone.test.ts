import { describe, expect, it } from 'vitest';
import { collect, emitAck, useTwoProcesses } from '../test/dm-helpers.js';
import { join, person, sameSessionOn } from '../test/rooms-helpers.js';

/**
 * A caller who closes the tab while the call rings: the web client joins the
 * call's room as soon as it rings, so a room its caller was in and has left
 * for CALL_CALLER_GONE_MS means the tab is gone, and the call is cancelled
 * (the callee stops ringing). A reload comes back in time and changes
 * nothing; a client that never joins rings until the timeout.
 */

const RING_TIMEOUT_MS = 12_000;
const GONE_MS = 3000;
const procs = useTwoProcesses({ CALL_RING_TIMEOUT_MS: String(RING_TIMEOUT_MS), CALL_CALLER_GONE_MS: String(GONE_MS) });

/** Ann on process a rings Bob, whose tab is on process b. */
async function ringing() {
  const ann = await person(procs.a, 'ann');
  const bob = sameSessionOn(await person(procs.a, 'bob'), procs.b);
  const [annTab, bobTab] = await Promise.all([procs.open(ann), procs.open(bob)]);
  const bobEnded = collect(bobTab, 'call:ended');
  const annEnded = collect(annTab, 'call:ended');
  const bobMessages = collect(bobTab, 'dm:message');
  const { call } = await emitAck(annTab, 'call:ring', { to: bob.username });
  return { ann, bob, annTab, bobEnded, annEnded, bobMessages, call: call as { id: string; room: string } };
}

/** Long enough for a check (about every second, on either process) to have found the caller in the room. */
const seenInRoom = () => new Promise((r) => setTimeout(r, 3000));

const leave = (p: Awaited<ReturnType<typeof ringing>>['ann'], room: string, peerId: string) => p.client.post(`/api/rooms/${room}/leave`, { peerId });

describe('a caller who leaves while the call rings', () => {
  it('closing the tab cancels the call: ringing stops on the callee’s other process, long before the timeout', async () => {
    const t = await ringing();
    const peerId = await join(t.ann, t.call.room);
    await seenInRoom();
    const left = Date.now();
    expect((await leave(t.ann, t.call.room, peerId)).status).toBe(204);
    const ended = await t.bobEnded.next((d) => d.id === t.call.id, RING_TIMEOUT_MS);
    const after = Date.now() - left;
    expect(ended.outcome).toBe('cancelled');
    expect(after).toBeGreaterThanOrEqual(GONE_MS);
    expect(after).toBeLessThan(RING_TIMEOUT_MS - 3000);
    expect((await t.annEnded.next((d) => d.id === t.call.id)).outcome).toBe('cancelled');
    await t.bobMessages.next((m) => m.kind === 'call' && m.call?.outcome === 'cancelled');
    expect((await t.ann.client.get(`/api/rooms/${t.call.room}`)).status).toBe(404);
  }, 30_000);

  it('a reload (out of the room and back within the grace) keeps it ringing', async () => {
    const t = await ringing();
    const first = await join(t.ann, t.call.room);
    await seenInRoom();
    await leave(t.ann, t.call.room, first);
    // Out for longer than a check's interval, so that a check finds the room empty.
    await new Promise((r) => setTimeout(r, 2000));
    await join(t.ann, t.call.room);
    await new Promise((r) => setTimeout(r, GONE_MS + 1000));
    expect(t.bobEnded.seen).toEqual([]);
    expect(await emitAck(t.annTab, 'call:cancel', { id: t.call.id })).toEqual({ ok: true });
  }, 30_000);

  it('a caller that never joins the room (a script on the socket alone) rings until the timeout', async () => {
    const t = await ringing();
    await new Promise((r) => setTimeout(r, GONE_MS + 2000));
    expect(t.bobEnded.seen).toEqual([]);
    expect((await t.bobEnded.next((d) => d.id === t.call.id, RING_TIMEOUT_MS)).outcome).toBe('missed');
  }, 30_000);
});
