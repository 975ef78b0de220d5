import type { RoomEventData } from './protocol.js';

/**
 * Room events as Redis carries them, in one place: how one is written (the Lua
 * `emit` every state-changing script ends with), how TypeScript reads one back
 * (published on the room's sharded channel, or kept in the room's stream for replay),
 * and which member streams receive it.
 *
 * Each event has a `to`, its only recipient (`-`: everyone); an `exclude`, a peer
 * that does not receive it (`-`: none), e.g. the joiner for its own
 * `member-joined`; and an `end`, a peer whose stream ends after it (`*`: every
 * stream, `-`: none), e.g. the leaver for its `member-left`.
 *
 * Published: `<id> <type> <to> <exclude> <end>\n<data JSON>`, one line of routing
 * so that a process decides who gets it without parsing the JSON. Kept in the
 * stream: the fields `t`, `to`, `x`, `end`, `d` (and `b`, see EMIT_LUA).
 */

/** A room event with its routing; `data` is the JSON that becomes the SSE frame's data. */
export type RoomEvent = { id: string; type: string; to: string; exclude: string; end: string; data: string };

const NONE = '-';
const ALL = '*';

// Each entry also carries `b`, the room's running total of event bytes up to and including it,
// so that the bytes held from any entry on are known without reading the entries between. The
// stream is trimmed by count (approximately, which is cheap) and by bytes: whole entries from the
// oldest, never the newest, so what is kept is always everything after some point, which is what
// replay relies on. `bounds` is "<maxlen>:<maxbytes>", one argument so every script passes the
// stream's bounds the same way. The event goes out with SPUBLISH: on a Redis Cluster a sharded
// channel lives in its slot like a key, so the script that appends to the room's stream may
// publish on the room's channel (same hash tag, src/rooms/room-keys.ts), and only the shard that
// owns the room carries its messages (classic PUBLISH would be broadcast to every node).
export const EMIT_LUA = `
local function entry_b(entry)
  local f = entry[2]
  for i = 1, #f, 2 do
    if f[i] == 'b' then return tonumber(f[i + 1]) or -1 end
  end
  return -1
end

local function trim_bytes(events, floor)
  if floor <= 0 then return end
  local first = true
  local from = '-'
  while true do
    local oldest = redis.call('XRANGE', events, from, '+', 'COUNT', 1)[1]
    if not oldest then return end
    if entry_b(oldest) >= floor then
      if not first then redis.call('XTRIM', events, 'MINID', oldest[1]) end
      return
    end
    first = false
    from = '(' .. oldest[1]
  end
end

local function emit(events, channel, etype, to, exclude, stop, data, bounds, ttl)
  local maxlen, maxbytes = string.match(bounds, '^(%d+):(%d+)$')
  local total = #data
  local newest = redis.call('XREVRANGE', events, '+', '-', 'COUNT', 1)[1]
  if newest then total = total + math.max(0, entry_b(newest)) end
  local id = redis.call('XADD', events, 'MAXLEN', '~', maxlen, '*', 't', etype, 'to', to, 'x', exclude, 'end', stop, 'd', data, 'b', total)
  trim_bytes(events, total - tonumber(maxbytes))
  redis.call('PEXPIRE', events, ttl)
  redis.call('SPUBLISH', channel, id .. ' ' .. etype .. ' ' .. to .. ' ' .. exclude .. ' ' .. stop .. '\\n' .. data)
  return id
end
`;

/** The `data` of a room event, as `emit` stores and publishes it. */
export function eventData<T extends keyof RoomEventData>(_type: T, data: RoomEventData[T]): string {
  return JSON.stringify(data);
}

/** A message from the room's channel, or null when it does not have the shape `emit` publishes. */
export function decodePublished(message: string): RoomEvent | null {
  const newline = message.indexOf('\n');
  const header = newline > 0 ? message.slice(0, newline).split(' ') : [];
  if (header.length !== 5) return null;
  const [id, type, to, exclude, end] = header as [string, string, string, string, string];
  return { id, type, to, exclude, end, data: message.slice(newline + 1) };
}

/** An entry of the room's stream (XRANGE's field list), as replay reads it. */
export function decodeStreamEntry(id: string, fields: string[]): RoomEvent {
  const event: RoomEvent = { id, type: '', to: NONE, exclude: NONE, end: NONE, data: '' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case 't':
        event.type = value;
        break;
      case 'to':
        event.to = value;
        break;
      case 'x':
        event.exclude = value;
        break;
      case 'end':
        event.end = value;
        break;
      case 'd':
        event.data = value;
        break;
    }
  }
  return event;
}

/** Whether the stream of `peerId` receives `event`: live, in a replay, and when a replay's size is weighed. */
export function isFor(event: RoomEvent, peerId: string): boolean {
  return (event.to === NONE || event.to === peerId) && event.exclude !== peerId;
}

/** Whether the stream of `peerId` ends after `event` (its member left, or the room closed). */
export function endsStreamOf(event: RoomEvent, peerId: string): boolean {
  return event.end === ALL || event.end === peerId;
}

/** One event as written on the wire: built once per event, the same bytes for every recipient. */
export function sseFrame(id: string, type: string, data: string): Buffer {
  return Buffer.from(`id: ${id}\nevent: ${type}\ndata: ${data}\n\n`);
}

/** About the bytes of the SSE frames of those `events` that `peerId` receives. */
export function frameBytesFor(peerId: string, events: RoomEvent[]): number {
  let bytes = 0;
  for (const e of events) if (isFor(e, peerId)) bytes += e.data.length + e.id.length + e.type.length + 24;
  return bytes;
}

/** Compares two Redis Stream ids (`ms-seq`) numerically. */
export function compareEventIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  if (am.length !== bm.length) return am.length - bm.length;
  if (am !== bm) return am < bm ? -1 : 1;
  return Number(as) - Number(bs);
}

const U64_MAX = BigInt('18446744073709551615');
/**
 * Whether `id` is one Redis could have issued: two 64-bit unsigned parts written without
 * leading zeros. A Last-Event-ID that is not is ignored (the stream starts with a fresh
 * welcome): XRANGE fails on a part over 64 bits, and leading zeros would make
 * compareEventIds rank the id above every real one, so the stream would drop all live events.
 */
export function isEventId(id: string): boolean {
  const m = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,19})$/.exec(id);
  return !!m && BigInt(m[1]!) <= U64_MAX && BigInt(m[2]!) <= U64_MAX;
}
