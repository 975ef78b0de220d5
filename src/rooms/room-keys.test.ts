import { expect, it } from 'vitest';
import { keySlot } from '../redis/key-slot.js';
import { keySpace } from '../redis/client.js';
import { roomKeys } from './room-keys.js';

it('puts every key and the channel of a room under the room’s hash tag, after the prefix', () => {
  const k = roomKeys(keySpace('parley:'), 'friday-standup');
  expect(k).toMatchObject({
    meta: 'parley:{room:friday-standup}:meta',
    members: 'parley:{room:friday-standup}:members',
    sids: 'parley:{room:friday-standup}:sids',
    events: 'parley:{room:friday-standup}:events',
    channel: 'parley:{room:friday-standup}:ch',
  });
  expect(k.banPrefix(42)).toBe('parley:{room:friday-standup}:ban:42:');
  // One slot for all of them (a Lua script's keys must share one on a cluster)...
  const slots = new Set([k.meta, k.members, k.sids, k.events, k.channel, `${k.banPrefix(42)}7`].map(keySlot));
  expect(slots).toEqual(new Set([keySlot('room:friday-standup')]));
  // ...whatever the prefix, and rooms spread over slots.
  expect(keySlot(roomKeys(keySpace('other:'), 'friday-standup').members)).toBe(keySlot(k.members));
  const spread = new Set(Array.from({ length: 50 }, (_, i) => keySlot(roomKeys(keySpace('parley:'), `room-${i}`).meta)));
  expect(spread.size).toBeGreaterThan(40);
});
