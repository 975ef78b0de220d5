import { LuaScript } from '../redis/lua-script.js';

/**
 * The state changes of a call from a conversation, each one atomic in Redis.
 * Accept, decline, cancel, hang-up and the ring timeout can arrive at once
 * from different tabs and processes; whichever runs first decides, and the
 * others find the call changed or gone. The caller's and callee's "current
 * call" keys are what makes someone busy.
 *
 * A call is the hash `call` with fields caller, callee, callerName,
 * callerDisplay, room, state (`ringing` or `active`), createdAt, ringsUntil,
 * acceptedAt.
 */

/**
 * KEYS call, callerOf, calleeOf, ringing (the callee's set of calls ringing to them), deadlines
 * ARGV id, callerId, calleeId, callerName, callerDisplay, room, now, ringsUntil, ttlMs, firstCheck
 * Returns 'busy' when the callee has a call already, else 'ringing'. The call's place in the
 * deadlines is its first check (is the caller still there?), at the latest when it stops ringing.
 */
export const RING = new LuaScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then return 'busy' end
redis.call('HSET', KEYS[1], 'caller', ARGV[2], 'callee', ARGV[3], 'callerName', ARGV[4], 'callerDisplay', ARGV[5],
  'room', ARGV[6], 'state', 'ringing', 'createdAt', ARGV[7], 'ringsUntil', ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[9])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[9])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[9])
redis.call('ZADD', KEYS[5], math.min(tonumber(ARGV[10]), tonumber(ARGV[8])), ARGV[1])
return 'ringing'
`);

/**
 * KEYS call, calleeOf, ringing, deadlines
 * ARGV id, calleeId, now, deadline (by when someone must be in the room), ttlMs
 * Returns the room, or false when the call is not ringing to this user any more.
 * The callee must have no other call: the caller of accept ends it first.
 */
export const ACCEPT = new LuaScript(`
local f = redis.call('HMGET', KEYS[1], 'state', 'callee', 'room')
if f[1] ~= 'ringing' or f[2] ~= ARGV[2] then return false end
local current = redis.call('GET', KEYS[2])
if current and current ~= ARGV[1] then return false end
redis.call('HSET', KEYS[1], 'state', 'active', 'acceptedAt', ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[5])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
return f[3]
`);

/**
 * Ends a call once: the one run that finds it decides the outcome, every later one gets false.
 * KEYS call, callerOf, calleeOf, ringing, deadlines
 * ARGV id, byUserId ('0' for the server), action (decline | cancel | hangup | timeout), now
 * Returns {outcome, caller, callee, room, durationS} or false.
 */
export const END = new LuaScript(`
local f = redis.call('HMGET', KEYS[1], 'state', 'caller', 'callee', 'room', 'acceptedAt')
local state, caller, callee = f[1], f[2], f[3]
if not state then return false end
local by, action = ARGV[2], ARGV[3]
if by ~= '0' and by ~= caller and by ~= callee then return false end
local outcome
if state == 'ringing' then
  if action == 'timeout' then outcome = 'missed'
  elseif by == callee then outcome = 'declined'
  else outcome = 'cancelled' end
else
  outcome = 'answered'
end
local duration = 0
if state == 'active' then duration = math.floor((tonumber(ARGV[4]) - tonumber(f[5])) / 1000 + 0.5) end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return {outcome, caller, callee, f[4], duration}
`);
