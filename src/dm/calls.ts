import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { SessionUser } from '../auth/session.js';
import type { Db } from '../db/client.js';
import { isDependencyDown } from '../http/errors.js';
import type { Logger } from '../logging/logger.js';
import type { KeySpace, Redis } from '../redis/client.js';
import { deleteRoom, findRoomByName, insertRoom } from '../rooms/store.js';
import type { RoomState } from '../rooms/live-state.js';
import type { BlockCache } from './block-cache.js';
import { ACCEPT, END, RING } from './call-scripts.js';
import type { CallAck, DoneAck } from './events.js';
import { callIdSchema, ringSchema, type CallEnded, type CallEntry, type CallOutcome, type DmAck, type DmErrorCode, type IncomingCall } from './protocol.js';
import { toWireMessage, userRoom, type Notify } from './service.js';
import type { UserDirectory } from './user-directory.js';
import type { MessageWriter } from './writer.js';

/**
 * Calls from a conversation. Ringing goes over the `/dm` sockets (every tab
 * of the callee, on any process, through the adapter); the call itself runs
 * in a private two-person room with the same event stream and signals as
 * any room. Which state a call is in lives in Redis (see call-scripts.ts),
 * so that accept, decline, cancel, hang-up and the timeout may race from any
 * tab and process and exactly one of them decides. Every ended call becomes
 * an entry of the conversation in MySQL.
 */

type CallOptions = {
  /** A call nobody answers ends as missed after this long. */
  ringTimeoutMs: number;
  /** An accepted call whose room stays empty this long ends. */
  emptyGraceMs: number;
  /**
   * A ringing call whose caller was in its room and has left it (closed the tab) for this long
   * is cancelled; long enough for a reload to come back.
   */
  callerGoneMs: number;
};

type CallsDeps = {
  redis: Redis;
  key: KeySpace;
  pool: Pool;
  db: Db;
  rooms: RoomState;
  writer: MessageWriter;
  directory: UserDirectory;
  blocks: BlockCache;
  limiter: RateLimiter;
  notify: Notify;
  logger: Logger;
  options: CallOptions;
};

const RING_LIMIT = { max: 10, windowSeconds: 60 };
// The call's keys outlive any real call; they only keep a crashed process from leaving them forever.
const CALL_TTL_MS = 24 * 60 * 60 * 1000;
const SWEEP_BATCH = 100;
/** How often a ringing call's room is looked at: is its caller still there? */
const CALLER_CHECK_MS = 1000;
const CALLS_TAG = '{calls}';

const fail = (code: DmErrorCode, message: string): DmAck<never> => ({ ok: false, error: { code, message } });

const newCallId = () => encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(15)));
const callRoomName = (id: string) => `call-${id}`;
/** The clientId of a call's entry: a `:` no client may use, so no text message can take its place. */
const entryClientId = (id: string) => `call:${id}`;

type Ended = { outcome: CallOutcome; callerId: number; calleeId: number; room: string; durationS: number };

export function createCalls(deps: CallsDeps) {
  const { redis, key, pool, db, rooms, writer, directory, blocks, limiter, notify, logger, options } = deps;
  // Every key of every call shares one hash tag, so one slot of a Redis Cluster: RING must see
  // that the callee has no call while it records the caller's, atomically, and any two users may
  // call each other. Calls change state a few times each (ring, accept, end, a sweep now and
  // then), a load one slot carries many times over; see docs/architecture.md.
  const callKey = (id: string) => key(CALLS_TAG, 'call', id);
  const currentKey = (userId: number | string) => key(CALLS_TAG, 'call-of', userId);
  const ringingKey = (userId: number | string) => key(CALLS_TAG, 'ringing', userId);
  // While a call rings: 'here' once its room was seen with someone in it, then the time it was first seen empty.
  const presenceKey = (id: string) => key(CALLS_TAG, 'caller-seen', id);
  const deadlines = key(CALLS_TAG, 'deadlines');

  function failure(err: unknown, what: string): DmAck<never> {
    if (!isDependencyDown(err)) logger.error({ err }, `${what} failed`);
    return fail('unavailable', 'Calls are not available right now; try again.');
  }

  function parseId(payload: unknown): string | DmAck<never> {
    const result = callIdSchema.safeParse(payload);
    return result.success ? result.data.id : fail('invalid_input', 'id: must be a call id');
  }

  async function end(id: string, byUserId: number, action: 'decline' | 'cancel' | 'hangup' | 'timeout'): Promise<Ended | undefined> {
    const [caller, callee] = await redis.hmget(callKey(id), 'caller', 'callee');
    if (!caller || !callee) return undefined;
    const result = (await END.run(
      redis,
      [callKey(id), currentKey(caller), currentKey(callee), ringingKey(callee), deadlines],
      [id, String(byUserId), action, Date.now()],
    )) as [CallOutcome, string, string, string, number] | null;
    if (!result) return undefined;
    const [outcome, callerId, calleeId, room, durationS] = result;
    return { outcome, callerId: Number(callerId), calleeId: Number(calleeId), room, durationS: Number(durationS) };
  }

  /**
   * What follows the end of a call, once: both people's tabs hear how it ended, the
   * conversation gets its entry, and the private room goes. Failures here are logged; the
   * call has ended whatever happens after.
   */
  async function finish(id: string, ended: Ended) {
    const { outcome, callerId, calleeId, room } = ended;
    const entry: CallEntry = outcome === 'answered' ? { id, outcome, durationS: ended.durationS } : { id, outcome };
    const tabs = [userRoom(callerId), userRoom(calleeId)];
    notify(tabs, 'call:ended', { id, outcome, ...(outcome === 'answered' ? { durationS: ended.durationS } : {}) } satisfies CallEnded);
    await Promise.all([storeEntry(entry, callerId, calleeId), closeRoom(room)]);
  }

  async function storeEntry(entry: CallEntry, callerId: number, calleeId: number) {
    try {
      const [caller, callee] = await Promise.all([directory.byId(callerId), directory.byId(calleeId)]);
      if (!caller || !callee) return;
      const outcome = await writer.write({
        senderId: callerId,
        recipientId: calleeId,
        body: '',
        clientId: entryClientId(entry.id),
        kind: 'call',
        payload: JSON.stringify(entry),
      });
      // A callee who blocked the caller meanwhile gets no entry (nothing from a blocked user reaches them).
      if (outcome.kind !== 'stored' || !outcome.fresh) return;
      const message = toWireMessage(outcome.message, caller.username, callee.username);
      notify([userRoom(callerId), userRoom(calleeId)], 'dm:message', message);
      // A call the callee answered or declined is not news to them: its entry is read at once,
      // unless something older from the caller is still unread (that stays unread).
      if (entry.outcome === 'answered' || entry.outcome === 'declined') {
        const upTo = await markEntryRead(calleeId, callerId, outcome.message.id);
        if (upTo !== undefined) notify([userRoom(calleeId)], 'dm:read', { by: callee.username, with: caller.username, upTo });
      }
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message }, call: entry.id }, 'could not store a call’s entry');
    }
  }

  async function markEntryRead(userId: number, otherId: number, entryId: number): Promise<number | undefined> {
    const [result] = await pool.query<RowDataPacket[] & { affectedRows?: number }>(
      `UPDATE dm_conversations c SET c.last_read_id = ?
        WHERE c.user_id = ? AND c.other_id = ? AND c.last_read_id < ?
          AND NOT EXISTS (SELECT 1 FROM direct_messages x FORCE INDEX (direct_messages_pair_id_idx)
                           WHERE x.sender_id = ? AND x.recipient_id = ? AND x.id > c.last_read_id AND x.id < ?)`,
      [entryId, userId, otherId, entryId, otherId, userId, entryId],
    );
    return (result as unknown as { affectedRows: number }).affectedRows > 0 ? entryId : undefined;
  }

  async function closeRoom(name: string) {
    try {
      await rooms.close(name);
      const row = await findRoomByName(db, name);
      if (row && row.guestId !== null) await deleteRoom(db, row.id);
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message }, room: name }, 'could not remove a call’s room');
    }
  }

  /** Ends the user's current call, if any, as they would by hanging up. */
  async function endCurrent(userId: number) {
    const current = await redis.get(currentKey(userId));
    if (!current) return;
    const ended = await end(current, userId, 'hangup');
    if (ended) await finish(current, ended);
  }

  /**
   * A ringing call's check: the caller joins the call's room as soon as it rings (the web client
   * does), and a caller who was there and has gone for `callerGoneMs` closed the tab: the call
   * is cancelled, so that the callee stops ringing. A client that rings without ever joining
   * the room rings until the timeout, as before. Returns whether the call was ended.
   */
  async function checkCaller(id: string, room: string, ringsUntil: number, now: number): Promise<boolean> {
    const [members = 0] = await rooms.counts([room]);
    const presence = presenceKey(id);
    const ttl = Math.max(1000, ringsUntil - now + options.callerGoneMs);
    if (members > 0) {
      await redis.set(presence, 'here', 'PX', ttl);
    } else {
      const seen = await redis.get(presence);
      if (seen === 'here') {
        await redis.set(presence, String(now), 'PX', ttl);
      } else if (seen && now - Number(seen) >= options.callerGoneMs) {
        const ended = await end(id, 0, 'cancel');
        if (ended) await finish(id, ended);
        return true;
      }
    }
    await redis.zadd(deadlines, 'XX', Math.min(now + CALLER_CHECK_MS, ringsUntil), id);
    return false;
  }

  /**
   * Ends calls whose time is up: unanswered ones as missed, ringing ones whose caller has gone
   * (see checkCaller), accepted ones whose room has been empty for the grace period. Every
   * process sweeps; END lets only one of them end a call.
   */
  async function sweep(now = Date.now()) {
    const due = await redis.zrangebyscore(deadlines, '-inf', now, 'LIMIT', 0, SWEEP_BATCH);
    for (const id of due) {
      const [state, room, until] = await redis.hmget(callKey(id), 'state', 'room', 'ringsUntil');
      if (!state) {
        await redis.zrem(deadlines, id);
        continue;
      }
      const ringsUntil = Number(until);
      if (state === 'ringing' && room && now < ringsUntil) {
        await checkCaller(id, room, ringsUntil, now);
        continue;
      }
      if (state === 'active' && room) {
        const [members = 0] = await rooms.counts([room]);
        if (members > 0) {
          await redis.zadd(deadlines, 'XX', now + options.emptyGraceMs, id);
          continue;
        }
      }
      const ended = await end(id, 0, 'timeout');
      if (ended) await finish(id, ended);
    }
  }

  const sweeper = setInterval(
    () => void sweep().catch((err) => logger.warn({ err: { message: (err as Error).message } }, 'call sweep failed')),
    Math.max(100, Math.min(1000, Math.floor(options.ringTimeoutMs / 10))),
  );
  sweeper.unref();

  return {
    async ring(user: SessionUser, payload: unknown): Promise<CallAck> {
      const input = ringSchema.safeParse(payload);
      if (!input.success) return fail('invalid_input', 'to: must be a username');
      try {
        const limit = await limiter.hit(`call:${user.id}`, RING_LIMIT);
        if (!limit.allowed) return fail('rate_limited', `Too many calls; wait ${limit.retryAfterSeconds} s.`);
        const callee = await directory.byUsername(input.data.to);
        if (!callee || callee.deleted) return fail('unknown_user', 'No user has that name.');
        if (callee.id === user.id) return fail('invalid_input', 'to: you cannot call yourself');
        if (await blocks.isBlocked(callee.id, user.id)) return fail('blocked', 'This person does not accept your calls.');
        // One call at a time: ringing someone ends the call you were in (the client asks first).
        await endCurrent(user.id);

        const id = newCallId();
        const room = callRoomName(id);
        // Capacity 4: two places each, so that a reload can rejoin before its old place times out.
        await insertRoom(db, { name: room, ownerId: user.id, passwordHash: null, capacity: 4, guestId: callee.id });
        const now = Date.now();
        const rung = await RING.run(
          redis,
          [callKey(id), currentKey(user.id), currentKey(callee.id), ringingKey(callee.id), deadlines],
          [id, user.id, callee.id, user.username, user.displayName, room, now, now + options.ringTimeoutMs, CALL_TTL_MS, now + CALLER_CHECK_MS],
        );
        if (rung === 'busy') {
          // No call waiting: the caller hears "busy" at once, the callee finds a missed call.
          setImmediate(() => {
            void finish(id, { outcome: 'busy', callerId: user.id, calleeId: callee.id, room, durationS: 0 });
          });
          return { ok: true, call: { id, room } };
        }
        const incoming: IncomingCall = { id, room, from: { username: user.username, displayName: user.displayName } };
        notify([userRoom(callee.id)], 'call:incoming', { call: incoming });
        return { ok: true, call: { id, room } };
      } catch (err) {
        return failure(err, 'call:ring');
      }
    },

    async accept(user: SessionUser, payload: unknown): Promise<CallAck> {
      const id = parseId(payload);
      if (typeof id !== 'string') return id;
      try {
        const [callee, state] = await redis.hmget(callKey(id), 'callee', 'state');
        if (callee !== String(user.id) || state !== 'ringing') return fail('call_not_found', 'That call has ended.');
        // Accepting while in another call ends that one, as with a phone.
        const current = await redis.get(currentKey(user.id));
        if (current && current !== id) await endCurrent(user.id);
        const room = (await ACCEPT.run(
          redis,
          [callKey(id), currentKey(user.id), ringingKey(user.id), deadlines],
          [id, user.id, Date.now(), Date.now() + options.emptyGraceMs, CALL_TTL_MS],
        )) as string | null;
        if (!room) return fail('call_not_found', 'That call has ended.');
        const [caller] = await redis.hmget(callKey(id), 'caller');
        notify([userRoom(user.id), ...(caller ? [userRoom(Number(caller))] : [])], 'call:accepted', { id, by: user.username });
        return { ok: true, call: { id, room } };
      } catch (err) {
        return failure(err, 'call:accept');
      }
    },

    /** decline, cancel and hangup: idempotent; an unknown or ended call is acknowledged and changes nothing. */
    async stop(user: SessionUser, payload: unknown, action: 'decline' | 'cancel' | 'hangup'): Promise<DoneAck> {
      const id = parseId(payload);
      if (typeof id !== 'string') return id;
      try {
        const ended = await end(id, user.id, action);
        if (ended) await finish(id, ended);
        return { ok: true };
      } catch (err) {
        return failure(err, `call:${action}`);
      }
    },

    /** The calls ringing for a user now: a tab that connects late still rings. */
    async ringingFor(userId: number): Promise<IncomingCall[]> {
      const ids = await redis.smembers(ringingKey(userId));
      const calls = await Promise.all(
        ids.map(async (id) => {
          const [state, callee, room, username, displayName] = await redis.hmget(callKey(id), 'state', 'callee', 'room', 'callerName', 'callerDisplay');
          if (state !== 'ringing' || callee !== String(userId) || !room || !username) return undefined;
          return { id, room, from: { username, displayName: displayName ?? username } };
        }),
      );
      return calls.filter((c): c is IncomingCall => c !== undefined);
    },

    sweep,
    close() {
      clearInterval(sweeper);
    },
  };
}

export type Calls = ReturnType<typeof createCalls>;
