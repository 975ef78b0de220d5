import { expect, it } from 'vitest';
import { keySlot } from './key-slot.js';

/** Values from the Redis Cluster specification and `CLUSTER KEYSLOT`. */
it('computes the slot of a key, by its hash tag when it has one', () => {
  expect(keySlot('123456789')).toBe(0x31c3 % 16384);
  expect(keySlot('foo')).toBe(12182);
  expect(keySlot('somekey')).toBe(11058);
  expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
  expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
  // An empty tag is no tag; the tag ends at the first `}` after the first `{`.
  expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
  expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
});
