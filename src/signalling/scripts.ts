import { createHash } from 'node:crypto';
import type { Redis } from '../redis/client.js';

/**
 * The Lua scripts behind room membership and events. Each runs atomically
 * inside Redis, so a check ("is `to` a member?", "is the room full?") and the
 * write or event that depends on it cannot be interleaved with another
 * process's, and every event is appended to the room's stream and published
 * in one step: the order subscribers see is exactly the stream's order.
 *
 * Published messages are `<id> <type> <to> <exclude> <end>\n<json>`, where
 * `to` is the only recipient (or `-` for everyone), `exclude` a peer that
 * does not receive it (or `-`), and `end` a peer whose stream ends after it
 * (`*` for all, `-` for none).
 */

// Each entry also carries `b`, the room's running total of event bytes up to and including it,
// so that the bytes held from any entry on are known without reading the entries between. The
// stream is trimmed by count (approximately, which is cheap) and by bytes: whole entries from the
// oldest, never the newest, so what is kept is always everything after some point, which is what
// replay relies on. `bounds` is "<maxlen>:<maxbytes>", one argument so every script passes the
// stream's bounds the same way.
const EMIT = `
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
  redis.call('PUBLISH', channel, id .. ' ' .. etype .. ' ' .. to .. ' ' .. exclude .. ' ' .. stop .. '\\n' .. data)
  return id
end
`;

export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** EVALSHA, falling back to EVAL once when Redis does not have the script cached yet (e.g. after a restart). */
  async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Checks the room's capacity and how many peers the session and the user hold
 * already, in the same step as the insert, so concurrent joins cannot exceed either.
 * KEYS meta, members, sids, deadlines, events, channel
 * ARGV roomId, capacity, peerId, memberJson, sessionId, deadline, deadlineMember, eventJson, bounds, ttl,
 *      userId, maxPerSession, maxPerUser
 * → {'ok', members[]} | {'room_full'} | {'too_many_peers', 'session' | 'user'}
 */
export const JOIN = new LuaScript(`${EMIT}
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then
  -- First join since Redis lost this room's state, or state left from an
  -- earlier room of the same name: start clean.
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'cap', ARGV[2])
end
local ofSession = 0
for _, sid in ipairs(redis.call('HVALS', KEYS[3])) do
  if sid == ARGV[5] then ofSession = ofSession + 1 end
end
if ofSession >= tonumber(ARGV[12]) then return {'too_many_peers', 'session'} end
local ofUser = 0
for _, m in ipairs(redis.call('HVALS', KEYS[2])) do
  if tostring(cjson.decode(m).user.id) == ARGV[11] then ofUser = ofUser + 1 end
end
if ofUser >= tonumber(ARGV[13]) then return {'too_many_peers', 'user'} end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[2]) then return {'room_full'} end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[7])
emit(KEYS[5], KEYS[6], 'member-joined', '-', ARGV[3], '-', ARGV[8], ARGV[9], ARGV[10])
return {'ok', redis.call('HVALS', KEYS[2])}
`);

/**
 * KEYS meta, sids, events, channel
 * ARGV from, to, sessionId, eventJson, maxlen, ttl
 * → 'ok' | 'no_room' | 'not_a_member' | 'peer_not_found'
 */
export const SIGNAL = new LuaScript(`${EMIT}
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_room' end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[3] then return 'not_a_member' end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return 'peer_not_found' end
emit(KEYS[3], KEYS[4], 'signal', ARGV[2], '-', '-', ARGV[4], ARGV[5], ARGV[6])
return 'ok'
`);

/**
 * Publishes an event from a member (chat) after checking the member is this session's.
 * KEYS meta, sids, events, channel
 * ARGV peerId, sessionId, type, eventJson, maxlen, ttl
 * → 'ok' | 'no_room' | 'not_a_member'
 */
export const MEMBER_EVENT = new LuaScript(`${EMIT}
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_room' end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 'not_a_member' end
emit(KEYS[3], KEYS[4], ARGV[3], '-', '-', '-', ARGV[4], ARGV[5], ARGV[6])
return 'ok'
`);

/**
 * KEYS meta, members, sids, events, channel
 * ARGV peerId, sessionId, inCall ('1'|'0'), muted ('1'|'0'), eventJson, maxlen, ttl
 * → 'ok' | 'no_room' | 'not_a_member'
 */
export const STATE = new LuaScript(`${EMIT}
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_room' end
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 'not_a_member' end
local member = cjson.decode(redis.call('HGET', KEYS[2], ARGV[1]))
member.inCall = ARGV[3] == '1'
member.muted = ARGV[4] == '1'
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(member))
emit(KEYS[4], KEYS[5], 'member-state', '-', '-', '-', ARGV[5], ARGV[6], ARGV[7])
return 'ok'
`);

/**
 * Removes a member: on request of its own session (sessionId given), or by
 * the sweeper once its deadline has passed (sessionId empty, now given).
 * KEYS members, sids, deadlines, events, channel
 * ARGV peerId, sessionId, deadlineMember, now, eventJson, maxlen, ttl
 * → 'ok' | 'gone' | 'not_a_member' | 'alive'
 */
export const LEAVE = new LuaScript(`${EMIT}
if ARGV[2] ~= '' then
  local holder = redis.call('HGET', KEYS[2], ARGV[1])
  if not holder then return 'gone' end
  if holder ~= ARGV[2] then return 'not_a_member' end
else
  local deadline = redis.call('ZSCORE', KEYS[3], ARGV[3])
  if not deadline then return 'gone' end
  if tonumber(deadline) > tonumber(ARGV[4]) then return 'alive' end
end
redis.call('ZREM', KEYS[3], ARGV[3])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 'gone' end
redis.call('HDEL', KEYS[2], ARGV[1])
emit(KEYS[4], KEYS[5], 'member-left', '-', '-', ARGV[1], ARGV[5], ARGV[6], ARGV[7])
return 'ok'
`);

/**
 * KEYS meta, members, sids, deadlines, events, channel
 * ARGV roomName, eventJson, maxlen, ttl
 */
export const CLOSE = new LuaScript(`${EMIT}
for _, peer in ipairs(redis.call('HKEYS', KEYS[3])) do
  redis.call('ZREM', KEYS[4], ARGV[1] .. '/' .. peer)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
emit(KEYS[5], KEYS[6], 'room-closed', '-', '-', '*', ARGV[2], ARGV[3], ARGV[4])
redis.call('DEL', KEYS[5])
return 'ok'
`);

/**
 * The members and the id of the room's latest event, read together so that
 * a welcome snapshot and the events after it line up exactly.
 * KEYS members, events → {members[], lastId}
 */
export const SNAPSHOT = new LuaScript(`
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local lastId = '0-0'
if last[1] then lastId = last[1][1] end
return {redis.call('HVALS', KEYS[1]), lastId}
`);
