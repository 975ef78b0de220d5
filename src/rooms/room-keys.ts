import type { KeySpace } from '../redis/client.js';
import { keySlot } from '../redis/key-slot.js';
import { spreadTags } from '../redis/spread-tags.js';

/** The Redis keys of one room, and the sharded channel its events are published on. */
export type RoomKeys = {
  meta: string;
  members: string;
  sids: string;
  events: string;
  channel: string;
  /** The removal ban of a user is this + user id; the room's id in it keeps a new room of the same name free of bans. */
  banPrefix: (roomId: number) => string;
};

/**
 * Every key of a room is `<prefix>{room:<name>}:<part>`. The braces are a hash tag: a Redis
 * Cluster puts all of a room's keys, and its sharded channel, in one slot, so one Lua script
 * may read and write them together and publish the event on the shard that holds them.
 * REDIS_PREFIX allows no braces (src/config/config.ts) and room names are `[a-z0-9_-]`
 * (names.ts), so the tag is always exactly `room:<name>`.
 */
export function roomKeys(key: KeySpace, room: string): RoomKeys {
  const tag = `{room:${room}}`;
  return {
    meta: key(tag, 'meta'),
    members: key(tag, 'members'),
    sids: key(tag, 'sids'),
    events: key(tag, 'events'),
    channel: key(tag, 'ch'),
    banPrefix: (roomId) => key(tag, 'ban', roomId, ''),
  };
}

// Members' deadlines are split over this many sorted sets, under tags spread over the slots, so
// that on a cluster the sweeping and the heartbeats are spread over the nodes. None of them shares
// a slot with a room: no script touches a room's keys and a deadline together (see live-state.ts).
const DEADLINE_PARTITIONS = 16;
const DEADLINE_TAGS = spreadTags('rd', DEADLINE_PARTITIONS);

/** The sorted sets of members' deadlines (`<room>/<peerId>` → ms), every partition. */
export function roomDeadlineKeys(key: KeySpace): string[] {
  return DEADLINE_TAGS.map((tag) => key('room-deadlines', `{${tag}}`));
}

/** The partition holding the deadlines of `room`'s members: by a hash of its name, the same on every process. */
export function roomDeadlinesKey(key: KeySpace, room: string): string {
  return key('room-deadlines', `{${DEADLINE_TAGS[keySlot(room) % DEADLINE_PARTITIONS]}}`);
}
