import type { KeySpace } from '../redis/client.js';

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
