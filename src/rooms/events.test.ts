import { describe, expect, it } from 'vitest';
import { compareEventIds, decodePublished, decodeStreamEntry, endsStreamOf, frameBytesFor, isEventId, isFor, sseFrame } from './events.js';

/** The room event codec and recipient rule, the one place the hub (live) and replay (stored) ask. */
describe('room events', () => {
  const A = 'a'.repeat(22);
  const B = 'b'.repeat(22);

  it('decode the same from a published message and from a stream entry', () => {
    const published = decodePublished(`1-2 member-left - - ${A}\n{"peerId":"${A}","reason":"left"}`);
    const stored = decodeStreamEntry('1-2', ['t', 'member-left', 'to', '-', 'x', '-', 'end', A, 'd', `{"peerId":"${A}","reason":"left"}`, 'b', '40']);
    expect(published).toEqual(stored);
    expect(published).toEqual({ id: '1-2', type: 'member-left', to: '-', exclude: '-', end: A, data: `{"peerId":"${A}","reason":"left"}` });
  });

  it('keep a data line that holds spaces and newlines whole', () => {
    expect(decodePublished('1-0 chat - - -\n{"body":"a b\\nc"}\nmore')?.data).toBe('{"body":"a b\\nc"}\nmore');
  });

  it('refuse a published message without its routing line', () => {
    for (const message of ['', '{"x":1}', '\n{}', '1-0 chat - -\n{}', '1-0 chat - - - extra\n{}']) expect(decodePublished(message)).toBeNull();
  });

  it('reach everyone, only `to`, or everyone but `exclude`', () => {
    const event = (to: string, exclude: string) => ({ id: '1-0', type: 't', to, exclude, end: '-', data: '{}' });
    expect([isFor(event('-', '-'), A), isFor(event('-', '-'), B)]).toEqual([true, true]);
    expect([isFor(event(A, '-'), A), isFor(event(A, '-'), B)]).toEqual([true, false]);
    expect([isFor(event('-', A), A), isFor(event('-', A), B)]).toEqual([false, true]);
  });

  it('end the stream of `end`, of everyone for `*`, of nobody for `-`', () => {
    const event = (end: string) => ({ id: '1-0', type: 't', to: '-', exclude: '-', end, data: '{}' });
    expect([endsStreamOf(event(A), A), endsStreamOf(event(A), B)]).toEqual([true, false]);
    expect([endsStreamOf(event('*'), A), endsStreamOf(event('*'), B)]).toEqual([true, true]);
    expect(endsStreamOf(event('-'), A)).toBe(false);
  });

  it('weigh a replay by the frames its reader receives', () => {
    const forA = { id: '1-0', type: 'signal', to: A, exclude: '-', end: '-', data: '{"x":1}' };
    const forB = { ...forA, to: B };
    expect(frameBytesFor(A, [forA, forB])).toBe(frameBytesFor(A, [forA]));
    expect(frameBytesFor(A, [forA])).toBeGreaterThanOrEqual(sseFrame(forA.id, forA.type, forA.data).length);
    expect(frameBytesFor(B, [forA])).toBe(0);
  });

  it('take ids Redis can issue and order them numerically', () => {
    expect(['0-0', '1-0', '1700000000000-12', '18446744073709551615-18446744073709551615'].every(isEventId)).toBe(true);
    expect(['', '1', '01-0', '1-01', '18446744073709551616-0', '1-2-3', ' 1-0'].some(isEventId)).toBe(false);
    expect(compareEventIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareEventIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareEventIds('10-2', '10-2')).toBe(0);
  });
});
