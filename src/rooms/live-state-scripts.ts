import { LuaScript } from '../redis/lua-script.js';
import { EMIT_LUA as EMIT } from './events.js';

/**
 * The Lua scripts behind room membership and events. Each runs atomically
 * inside Redis, so a check ("is `to` a member?", "is the room full?") and the
 * write or event that depends on it cannot be interleaved with another
 * process's, and every event is appended to the room's stream and published
 * in one step: the order subscribers see is exactly the stream's order.
 *
 * Every script that changes the room ends with `emit` (EMIT_LUA, events.ts),
 * passing who the event is for.
 *
 * A script touches one room's keys only (one hash tag, src/rooms/room-keys.ts, so one
 * slot on a Redis Cluster), or one partition of the members' deadlines: never both.
 * A member's deadline and its entry in its user's memberships are written by
 * live-state.ts in steps of their own around these scripts, in an order that never
 * leaves a member without a deadline (see join and the removals there).
 */

/**
 * Checks the room's capacity and how many peers the session and the user hold
 * already, in the same step as the insert, so concurrent joins cannot exceed either.
 * A user the owner removed is refused here too (not only by the route's check
 * before it), so a join racing the removal cannot slip in after it.
 * KEYS meta, members, sids, events, channel, removalBan
 * ARGV roomId, capacity, peerId, memberJson, sessionId, eventJson, bounds, ttl, userId, maxPerSession, maxPerUser
 * → {'ok', members[]} | {'room_full'} | {'too_many_peers', 'session' | 'user'} | {'removed', pttlMs}
 */
export const JOIN = new LuaScript(`${EMIT}
local banned = redis.call('PTTL', KEYS[6])
if banned > 0 then return {'removed', banned} end
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
if ofSession >= tonumber(ARGV[10]) then return {'too_many_peers', 'session'} end
local ofUser = 0
for _, m in ipairs(redis.call('HVALS', KEYS[2])) do
  if tostring(cjson.decode(m).user.id) == ARGV[9] then ofUser = ofUser + 1 end
end
if ofUser >= tonumber(ARGV[11]) then return {'too_many_peers', 'user'} end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[2]) then return {'room_full'} end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
emit(KEYS[4], KEYS[5], 'member-joined', '-', ARGV[3], '-', ARGV[6], ARGV[7], ARGV[8])
return {'ok', redis.call('HVALS', KEYS[2])}
`);

/**
 * KEYS meta, sids, events, channel, members
 * ARGV from, to, sessionId, eventJson, maxlen, ttl, isOffer ('1'|'0')
 * → 'ok' | 'no_room' | 'not_a_member' | 'peer_not_found' | 'not_in_call' | 'peer_not_in_call'
 *
 * An offer starts a connection that carries the answerer's microphone, so
 * both ends must be in the call by their stored state: a member who never
 * joined the call could otherwise listen to it unseen. Checked here, with the
 * state in the same atomic step, so a `state` posted before an offer is
 * always seen by it.
 */
export const SIGNAL = new LuaScript(`${EMIT}
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_room' end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[3] then return 'not_a_member' end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return 'peer_not_found' end
if ARGV[7] == '1' then
  local function inCall(peer)
    local member = redis.call('HGET', KEYS[5], peer)
    return member and cjson.decode(member).inCall == true
  end
  if not inCall(ARGV[1]) then return 'not_in_call' end
  if not inCall(ARGV[2]) then return 'peer_not_in_call' end
end
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
 * Removes a member: on request of its own session (sessionId given), or because
 * its deadline passed (sessionId empty: the sweeper has claimed the deadline,
 * see CLAIM_EXPIRED). Returns the member record, whose user's memberships and
 * deadline the caller then updates.
 * KEYS members, sids, events, channel
 * ARGV peerId, sessionId, eventJson, bounds, ttl
 * → {'ok', memberJson} | {'gone'} | {'not_a_member'}
 */
export const LEAVE = new LuaScript(`${EMIT}
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if not holder then return {'gone'} end
if ARGV[2] ~= '' and holder ~= ARGV[2] then return {'not_a_member'} end
local member = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
emit(KEYS[3], KEYS[4], 'member-left', '-', '-', ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return {'ok', member or '{}'}
`);

/**
 * Claims the expiry of one member for this sweeper: when its deadline has passed,
 * pushes it to `lease` and says so, so that exactly one process removes the
 * member. Were that process to stop before it removes the member and the entry,
 * the entry is due again at `lease` and another sweeper finishes the work. A
 * heartbeat after the claim (ZADD XX) only moves the entry, which is removed
 * with the member.
 * KEYS deadlines (one partition)
 * ARGV deadlineMember, now, lease
 * → 1 (claimed) | 0 (not due, or gone)
 */
export const CLAIM_EXPIRED = new LuaScript(`
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not deadline or tonumber(deadline) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return 1
`);

/**
 * KEYS meta, members, sids, events, channel
 * ARGV eventJson, maxlen, ttl
 * → the members removed, as HGETALL gives them (peerId, memberJson, …)
 */
export const CLOSE = new LuaScript(`${EMIT}
local members = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
emit(KEYS[4], KEYS[5], 'room-closed', '-', '-', '*', ARGV[1], ARGV[2], ARGV[3])
redis.call('DEL', KEYS[4])
return members
`);

/**
 * Puts a user's new profile into one of its member records and tells the room.
 * KEYS members, events, channel
 * ARGV peerId, userId, userJson, maxlen, ttl
 * → 'ok' | 'gone'
 */
export const UPDATE_MEMBER_USER = new LuaScript(`${EMIT}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 'gone' end
local member = cjson.decode(raw)
if tostring(member.user.id) ~= ARGV[2] then return 'gone' end
member.user = cjson.decode(ARGV[3])
local encoded = cjson.encode(member)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
emit(KEYS[2], KEYS[3], 'member-updated', '-', '-', '-', '{"member":' .. encoded .. '}', ARGV[4], ARGV[5])
return 'ok'
`);

/**
 * Checks that `sessionId` holds `peerId` and, in the same step, reads the
 * members and the id of the room's latest event, so that a welcome snapshot
 * and the events after it line up exactly. The stream opening this is already
 * subscribed: a removal after this check is published after it, so it reaches
 * the stream live and ends it; a removal before it makes this refuse.
 * KEYS members, sids, events
 * ARGV peerId, sessionId
 * → {'ok', members[], lastId} | {'not_a_member'}
 */
export const MEMBER_SNAPSHOT = new LuaScript(`
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return {'not_a_member'} end
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local lastId = '0-0'
if last[1] then lastId = last[1][1] end
return {'ok', redis.call('HVALS', KEYS[1]), lastId}
`);

/**
 * The owner removes a member: every peer of that member's user in the room goes
 * (the ban that follows is per user, so a second tab would only be a way round
 * it), each with a `member-left {reason: "removed"}` that ends its stream,
 * wherever it is served, and the user may not rejoin until the ban key expires.
 * The ban key is `banPrefix` + user id, derived here (the target is known only
 * here) and in the room's slot, as it carries the room's hash tag; the prefix
 * carries the room's id, so a new room of the same name starts with no bans.
 * KEYS members, sids, events, channel
 * ARGV peerId, ownerUserId, bounds, ttl, banPrefix, banMs
 * → {'ok', removedPeers[], targetUserId} | {'peer_not_found'} | {'self'}
 */
export const REMOVE_USER = new LuaScript(`${EMIT}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'peer_not_found'} end
local target = tostring(cjson.decode(raw).user.id)
if target == ARGV[2] then return {'self'} end
redis.call('SET', ARGV[5] .. target, '1', 'PX', ARGV[6])
local all = redis.call('HGETALL', KEYS[1])
local removed = {}
for i = 1, #all, 2 do
  local ok, member = pcall(cjson.decode, all[i + 1])
  if ok and type(member) == 'table' and type(member.user) == 'table' and tostring(member.user.id) == target then
    local peer = all[i]
    redis.call('HDEL', KEYS[1], peer)
    redis.call('HDEL', KEYS[2], peer)
    emit(KEYS[3], KEYS[4], 'member-left', '-', '-', peer, cjson.encode({peerId = peer, reason = 'removed'}), ARGV[3], ARGV[4])
    removed[#removed + 1] = peer
  end
end
return {'ok', removed, target}
`);
