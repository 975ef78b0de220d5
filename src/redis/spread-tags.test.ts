import { expect, it } from 'vitest';
import { keySlot } from './key-slot.js';
import { spreadTags } from './spread-tags.js';

it('finds tags whose slots are spread evenly over the cluster, the same every time', () => {
  const tags = spreadTags('rd', 16);
  expect(tags).toHaveLength(16);
  expect(spreadTags('rd', 16)).toEqual(tags);
  const slots = tags.map((t) => keySlot(`parley:room-deadlines:{${t}}`));
  expect(slots).toEqual(tags.map(keySlot));
  // In order, each within its sixteenth of the 16384 slots, at least half a sixteenth from the next.
  slots.forEach((slot, i) => {
    expect(Math.floor(slot / 1024)).toBe(i);
    if (i > 0) expect(slot - slots[i - 1]!).toBeGreaterThanOrEqual(512);
  });
  // Three masters of a fresh cluster (0-5460, 5461-10922, 10923-16383) each own some.
  expect(new Set(slots.map((s) => Math.floor(s / 5461.34)))).toEqual(new Set([0, 1, 2]));
});
