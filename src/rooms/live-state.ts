import { randomBytes } from 'node:crypto';
import type { KeySpace, Redis } from '../redis/client.js';
import type { PublicUser } from '../users/store.js';
import { compareEventIds, decodeStreamEntry, eventData, frameBytesFor, type RoomEvent } from './events.js';
import type { Member, MemberLeftReason, RoomEventData, SignalType } from './protocol.js';
import { CLAIM_EXPIRED, CLOSE, JOIN, LEAVE, MEMBER_EVENT, MEMBER_SNAPSHOT, REMOVE_USER, SIGNAL, STATE, UPDATE_MEMBER_USER } from './live-state-scripts.js';
import { roomDeadlineKeys, roomDeadlinesKey, roomKeys, type RoomKeys } from './room-keys.js';

/**
 * Live room state in Redis, shared by every Parley process: who is in each
 * room, which session holds each peer, when each member's stream was last
 * seen, and the room's event stream. MySQL keeps the rooms themselves.
 */

type ReplayResult = { complete: true; events: RoomEvent[] } | { complete: false };

/** Where a stream being opened starts: refused, a replay of what it missed, or a fresh welcome. */
type StreamStart = { kind: 'not_a_member' } | { kind: 'replay'; events: RoomEvent[] } | { kind: 'welcome'; members: Member[]; lastId: string };

type RoomStateOptions = { memberTimeoutMs: number; replayEvents: number; replayBytes: number; maxBufferedBytes: number };

type JoinResult =
  | { ok: true; member: Member; members: Member[] }
  | { ok: false; reason: 'room_full' | 'session' | 'user' }
  | { ok: false; reason: 'removed'; retryAfterSeconds: number };

type RemoveResult = { ok: true; removed: string[] } | { ok: false; reason: 'peer_not_found' | 'self' };

// An idle room's event stream expires after this long. Replay serves members reconnecting within
// the member timeout (20 s by default); a member whose stream stayed open saw every event live,
// and starts over with a welcome if it reconnects after the stream expired.
const MIN_EVENTS_TTL_MS = 10 * 60 * 1000;

// Replays running at once in this process: each reads up to the stream's byte bound from Redis,
// so this bounds what reconnecting clients (a network blip, or one client reconnecting in a loop)
// can hold in memory together. Others wait their turn, which takes milliseconds.
const MAX_CONCURRENT_REPLAYS = 4;

function newPeerId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Members' deadlines and users' memberships are kept apart from the rooms (other slots on a
 * cluster), so they are written in steps of their own around the room's scripts, in an order
 * that keeps two rules: a member never exists without a deadline (join writes the deadline
 * first; a removal deletes it after the member), and a membership entry with neither member nor
 * deadline is stale (join writes the deadline before the entry). What a failure between two
 * steps leaves behind is a deadline without a member, which the sweeper removes, or a stale
 * entry, which forgetIfStale removes when it is next met.
 */
export function createRoomState(redis: Redis, key: KeySpace, options: RoomStateOptions) {
  const partitions = roomDeadlineKeys(key);
  const deadlinesOf = (room: string) => roomDeadlinesKey(key, room);
  const keysOf = (room: string): RoomKeys => roomKeys(key, room);
  const eventsTtlMs = Math.max(MIN_EVENTS_TTL_MS, 3 * options.memberTimeoutMs);
  const tail = [`${options.replayEvents}:${options.replayBytes}`, eventsTtlMs] as const;
  const replays = createGate(MAX_CONCURRENT_REPLAYS);
  // Each user's memberships as `room/peer`, so that a logout or a new display name reaches
  // every room the user is in, wherever its streams are. Whatever removes a member removes its
  // entry after it; join adds it before the member exists, so the set never misses one.
  const userRooms = (userId: number) => key('user-rooms', userId);
  const entries = async (userId: number) =>
    (await redis.smembers(userRooms(userId))).flatMap((entry) => {
      const slash = entry.indexOf('/');
      return slash > 0 ? [{ entry, room: entry.slice(0, slash), peerId: entry.slice(slash + 1) }] : [];
    });
  // A user the owner removed, per room (by id, so a new room of the same name has no bans) and
  // user: the key expires when the ban does.
  const banPrefix = (room: { id: number; name: string }) => keysOf(room.name).banPrefix(room.id);
  // Told of every change of a room's member count made through this process (the lobby listens).
  const countListeners: Array<(room: string) => void> = [];
  const countChanged = (room: string) => {
    for (const listener of countListeners) listener(room);
  };

  async function readReplay(room: string, lastId: string, holder: { peerId: string; sessionId: string }): Promise<ReplayResult | 'not_a_member'> {
    const k = keysOf(room);
    // MULTI makes the membership check and the reads one atomic step (see startStream).
    const results = (await redis.multi().hget(k.sids, holder.peerId).call('XINFO', 'STREAM', k.events).xrange(k.events, `(${lastId}`, '+').exec()) ?? [];
    const [holderErr, holds] = results[0] ?? [];
    if (holderErr) throw holderErr;
    if (holds !== holder.sessionId) return 'not_a_member';
    const [infoErr, info] = results[1] ?? [];
    const [rangeErr, range] = results[2] ?? [];
    if (infoErr) {
      // No stream at all: nothing happened since (only if the client had seen nothing either).
      return lastId === '0-0' ? { complete: true, events: [] } : { complete: false };
    }
    const fields = info as unknown[];
    const field = (name: string) => fields[fields.indexOf(name) + 1];
    // An id past the newest this room issued was never sent by it: start over. Resuming
    // "after" it would drop every live event as already seen, and after the largest
    // possible id XRANGE fails (a 500).
    if (compareEventIds(lastId, String(field('last-generated-id'))) > 0) return { complete: false };
    if (rangeErr) throw rangeErr;
    // Trimming removes the oldest entries only, so what is missed can be replayed whole
    // if nothing was ever trimmed, or if the client had seen the oldest entry still kept.
    const neverTrimmed = Number(field('entries-added')) === Number(field('length'));
    const firstKept = (field('first-entry') as [string, unknown] | null)?.[0];
    if (!neverTrimmed && !(firstKept && compareEventIds(lastId, firstKept) >= 0)) return { complete: false };
    const events = (range as Array<[string, string[]]>).map(([id, f]) => decodeStreamEntry(id, f));
    // A catch-up is written at once; more than a stream may buffer would have it cut off and
    // reconnect to the same catch-up again and again. Such a peer starts over instead.
    if (frameBytesFor(holder.peerId, events) > options.maxBufferedBytes) return { complete: false };
    return { complete: true, events };
  }

  /**
   * Drops the entry of a member that is not there, when it is stale: the room's live state is
   * gone (Redis lost it), or the member's deadline is gone too. A join still on its way has
   * written its deadline before its entry, and dropping its entry would hide the member from
   * later logouts and renames. Leaves, expiries and closes remove their entries themselves;
   * this catches one whose removal stopped between the member and the entry.
   */
  async function forgetIfStale(userId: number, entry: string, room: string) {
    const [live, deadline] = await Promise.all([redis.exists(keysOf(room).meta), redis.zscore(deadlinesOf(room), entry)]);
    if (live === 0 || deadline === null) await redis.srem(userRooms(userId), entry);
  }

  /** After members left the room: their deadlines and their users' entries go. */
  async function forgetMembers(room: string, removed: Array<{ peerId: string; userId: number | null }>) {
    if (removed.length === 0) return;
    const entries = removed.map((m) => `${room}/${m.peerId}`);
    await Promise.all([
      redis.zrem(deadlinesOf(room), ...entries),
      ...removed.flatMap((m, i) => (m.userId === null ? [] : [redis.srem(userRooms(m.userId), entries[i]!)])),
    ]);
  }

  const userIdOf = (raw: string): number | null => {
    try {
      const id = (JSON.parse(raw) as { user?: { id?: unknown } }).user?.id;
      return typeof id === 'number' ? id : null;
    } catch {
      return null;
    }
  };

  /** Removes a member (see LEAVE), then its deadline and its user's entry. */
  async function removeMember(room: string, peerId: string, sessionId: string, reason: MemberLeftReason) {
    const k = keysOf(room);
    const [result, raw] = (await LEAVE.run(
      redis,
      [k.members, k.sids, k.events, k.channel],
      [peerId, sessionId, eventData('member-left', { peerId, reason }), ...tail],
    )) as ['ok' | 'gone' | 'not_a_member', string?];
    if (result === 'ok') {
      await forgetMembers(room, [{ peerId, userId: userIdOf(raw ?? '') }]);
      countChanged(room);
    } else if (result === 'gone' && sessionId === '') {
      // The sweeper's due deadline without a member (a join that stopped before its member):
      // it goes. Not on a leave: a join still on its way has its deadline and no member yet.
      await redis.zrem(deadlinesOf(room), `${room}/${peerId}`);
    }
    return result;
  }

  const roomState = {
    keysOf,

    /**
     * Calls `listener` with the room's name after each join and each removal (leave,
     * timeout, logout, the owner's removal) that this process makes; every membership
     * change goes through join(), leave() or removeUser(), so this sees them all.
     */
    onCountChanged(listener: (room: string) => void): void {
      countListeners.push(listener);
    },

    async join(
      room: { id: number; name: string; capacity: number },
      user: PublicUser,
      sessionId: string,
      maxPeers: { perSession: number; perUser: number },
    ): Promise<JoinResult> {
      const k = keysOf(room.name);
      const member: Member = { peerId: newPeerId(), user, inCall: false, muted: false };
      // A member that never opens its stream is gone after the usual timeout.
      const deadline = Date.now() + options.memberTimeoutMs;
      const entry = `${room.name}/${member.peerId}`;
      // The deadline, then the user's entry, then the member (see above): if this stops midway,
      // the sweeper removes the deadline, and forgetIfStale the entry.
      await redis.zadd(deadlinesOf(room.name), deadline, entry);
      await redis.sadd(userRooms(user.id), entry);
      const result = (await JOIN.run(
        redis,
        [k.meta, k.members, k.sids, k.events, k.channel, banPrefix(room) + user.id],
        [
          room.id,
          room.capacity,
          member.peerId,
          JSON.stringify(member),
          sessionId,
          eventData('member-joined', { member }),
          ...tail,
          user.id,
          maxPeers.perSession,
          maxPeers.perUser,
        ],
      )) as [string, unknown?];
      if (result[0] !== 'ok') await forgetMembers(room.name, [{ peerId: member.peerId, userId: user.id }]);
      if (result[0] === 'room_full') return { ok: false, reason: 'room_full' };
      if (result[0] === 'removed') return { ok: false, reason: 'removed', retryAfterSeconds: Math.max(1, Math.ceil(Number(result[1]) / 1000)) };
      if (result[0] === 'too_many_peers') return { ok: false, reason: result[1] === 'session' ? 'session' : 'user' };
      countChanged(room.name);
      return { ok: true, member, members: ((result[1] ?? []) as string[]).map((m) => JSON.parse(m) as Member) };
    },

    async signal(room: string, from: string, to: string, sessionId: string, type: SignalType, data: unknown) {
      const k = keysOf(room);
      return (await SIGNAL.run(
        redis,
        [k.meta, k.sids, k.events, k.channel, k.members],
        [from, to, sessionId, eventData('signal', { from, type, data }), ...tail, type === 'offer' ? '1' : '0'],
      )) as 'ok' | 'no_room' | 'not_a_member' | 'peer_not_found' | 'not_in_call' | 'peer_not_in_call';
    },

    async setState(room: string, peerId: string, sessionId: string, inCall: boolean, muted: boolean) {
      const k = keysOf(room);
      return (await STATE.run(
        redis,
        [k.meta, k.members, k.sids, k.events, k.channel],
        [peerId, sessionId, inCall ? '1' : '0', muted ? '1' : '0', eventData('member-state', { peerId, inCall, muted }), ...tail],
      )) as 'ok' | 'no_room' | 'not_a_member';
    },

    /** Publishes `chat` from a member after checking that this session holds the peer. */
    async publishChat(room: string, peerId: string, sessionId: string, data: RoomEventData['chat']) {
      const k = keysOf(room);
      return (await MEMBER_EVENT.run(redis, [k.meta, k.sids, k.events, k.channel], [peerId, sessionId, 'chat', eventData('chat', data), ...tail])) as
        | 'ok'
        | 'no_room'
        | 'not_a_member';
    },

    /** Does this session hold `peerId` in `room`? */
    async holds(room: string, peerId: string, sessionId: string): Promise<boolean> {
      return (await redis.hget(keysOf(room).sids, peerId)) === sessionId;
    },

    /** Does this session hold any peer in `room`? */
    async holdsAny(room: string, sessionId: string): Promise<boolean> {
      const holders = await redis.hvals(keysOf(room).sids);
      return holders.includes(sessionId);
    },

    /** Removes a member on request of the session that holds it. */
    async leave(room: string, peerId: string, sessionId: string, reason: MemberLeftReason) {
      return removeMember(room, peerId, sessionId, reason);
    },

    /**
     * The sweeper's removal of a member whose deadline passed by `now`: 'alive' when it did not
     * (renewed meanwhile) or another process is removing it, else as leave().
     */
    async expire(room: string, peerId: string, now: number) {
      const claimed = await CLAIM_EXPIRED.run(redis, [deadlinesOf(room)], [`${room}/${peerId}`, now, now + options.memberTimeoutMs]);
      if (Number(claimed) !== 1) return 'alive';
      return removeMember(room, peerId, '', 'timeout');
    },

    /**
     * The owner removes the user holding `peerId`: all of that user's peers in the room, each
     * told `member-left` with reason `removed` (which ends its stream, on whichever process),
     * and the user is kept out for `banMs`. `ownerId` is refused (`self`).
     */
    async removeUser(room: { id: number; name: string }, peerId: string, ownerId: number, banMs: number): Promise<RemoveResult> {
      const k = keysOf(room.name);
      const result = (await REMOVE_USER.run(redis, [k.members, k.sids, k.events, k.channel], [peerId, ownerId, ...tail, banPrefix(room), banMs])) as [
        string,
        string[]?,
        string?,
      ];
      if (result[0] !== 'ok') return { ok: false, reason: result[0] === 'self' ? 'self' : 'peer_not_found' };
      const removed = result[1] ?? [];
      countChanged(room.name);
      await forgetMembers(
        room.name,
        removed.map((p) => ({ peerId: p, userId: Number(result[2]) })),
      );
      return { ok: true, removed };
    },

    /** Seconds until `userId` may join `room` again after the owner removed them; 0 when not removed. */
    async removalBanSeconds(room: { id: number; name: string }, userId: number): Promise<number> {
      const ms = await redis.pttl(banPrefix(room) + userId);
      return ms > 0 ? Math.ceil(ms / 1000) : 0;
    },

    /** Ends a removal ban early: a new invite to the room does (src/rooms/invites.ts). */
    async liftRemovalBan(room: { id: number; name: string }, userId: number): Promise<void> {
      await redis.del(banPrefix(room) + userId);
    },

    /**
     * Removes every member `sessionId` holds, in every room, whichever process serves
     * their streams: after a logout. Their streams end on the `member-left`.
     */
    async leaveSession(userId: number, sessionId: string): Promise<void> {
      await Promise.all(
        (await entries(userId)).map(async ({ entry, room, peerId }) => {
          const result = await roomState.leave(room, peerId, sessionId, 'left');
          if (result === 'gone') await forgetIfStale(userId, entry, room);
        }),
      );
    },

    /** Puts the user's new profile into each of its member records and tells each room (`member-updated`). */
    async updateUser(user: PublicUser): Promise<void> {
      await Promise.all(
        (await entries(user.id)).map(async ({ entry, room, peerId }) => {
          const k = keysOf(room);
          const result = await UPDATE_MEMBER_USER.run(redis, [k.members, k.events, k.channel], [peerId, user.id, JSON.stringify(user), ...tail]);
          if (result === 'gone') await forgetIfStale(user.id, entry, room);
        }),
      );
    },

    async close(room: string) {
      const k = keysOf(room);
      const members = (await CLOSE.run(
        redis,
        [k.meta, k.members, k.sids, k.events, k.channel],
        [eventData('room-closed', { reason: 'deleted' }), ...tail],
      )) as string[];
      const removed: Array<{ peerId: string; userId: number | null }> = [];
      for (let i = 0; i + 1 < members.length; i += 2) removed.push({ peerId: members[i]!, userId: userIdOf(members[i + 1]!) });
      await forgetMembers(room, removed);
    },

    /** Whether Redis still has this room's live state (false after Redis lost its data). */
    async isLive(room: string): Promise<boolean> {
      return (await redis.exists(keysOf(room).meta)) === 1;
    },

    async members(room: string): Promise<Member[]> {
      return (await redis.hvals(keysOf(room).members)).map((m) => JSON.parse(m) as Member);
    },

    /**
     * Live member counts of many rooms. Each room is in a slot of its own on a cluster, so no
     * pipeline: the commands of one tick go out together anyway (auto-pipelining, per node).
     */
    async counts(rooms: string[]): Promise<number[]> {
      return Promise.all(rooms.map((room) => redis.hlen(keysOf(room).members).catch(() => 0)));
    },

    /**
     * Checks that `sessionId` holds `peerId` and reads where its stream starts, in one
     * atomic step: the caller is subscribed already, so every event after that step
     * reaches it live. With `lastEventId`, what was missed since, when it can be replayed
     * whole; else the members and the id of the latest event, for a welcome.
     */
    async startStream(room: string, peerId: string, sessionId: string, lastEventId?: string): Promise<StreamStart> {
      const k = keysOf(room);
      if (lastEventId) {
        const replay = await roomState.replay(room, lastEventId, { peerId, sessionId });
        if (replay === 'not_a_member') return { kind: 'not_a_member' };
        if (replay.complete) return { kind: 'replay', events: replay.events };
      }
      const result = (await MEMBER_SNAPSHOT.run(redis, [k.members, k.sids, k.events], [peerId, sessionId])) as [string, string[]?, string?];
      if (result[0] !== 'ok') return { kind: 'not_a_member' };
      return { kind: 'welcome', members: (result[1] ?? []).map((m) => JSON.parse(m) as Member), lastId: result[2] ?? '0-0' };
    },

    /**
     * Every event after `lastId`, or `complete: false` when some of them are
     * no longer kept (trimmed, or the stream expired), or when those for
     * `peerId` are more than its stream may buffer, and the client must
     * start over from a fresh snapshot.
     */
    async replay(room: string, lastId: string, holder: { peerId: string; sessionId: string }): Promise<ReplayResult | 'not_a_member'> {
      return replays.run(() => readReplay(room, lastId, holder));
    },

    /**
     * Pushes the deadlines of members whose streams are open here; never re-adds a member
     * that left. Returns the entries that had no deadline: members that are gone.
     */
    async refreshDeadlines(entries: Array<{ room: string; peerId: string }>, deadline: number) {
      const byPartition = new Map<string, Array<{ room: string; peerId: string }>>();
      for (const e of entries) {
        const partition = deadlinesOf(e.room);
        const list = byPartition.get(partition);
        if (list) list.push(e);
        else byPartition.set(partition, [e]);
      }
      const gone: Array<{ room: string; peerId: string }> = [];
      await Promise.all(
        [...byPartition].map(async ([partition, all]) => {
          for (let i = 0; i < all.length; i += 1000) {
            const batch = all.slice(i, i + 1000);
            const ids = batch.map((e) => `${e.room}/${e.peerId}`);
            const args: Array<string | number> = [];
            for (const id of ids) args.push(deadline, id);
            const [[scoreErr, scores] = [], [addErr] = []] =
              (await redis
                .multi()
                .zmscore(partition, ...ids)
                .zadd(partition, 'XX', ...args)
                .exec()) ?? [];
            if (scoreErr || addErr) throw scoreErr ?? addErr;
            (scores as Array<string | null>).forEach((score, j) => {
              if (score === null) gone.push(batch[j]!);
            });
          }
        }),
      );
      return gone;
    },

    /** Members whose deadline has passed, from every partition: up to `limit` of each, oldest first. */
    async expired(now: number, limit: number): Promise<Array<{ room: string; peerId: string }>> {
      const due = await Promise.all(partitions.map((partition) => redis.zrangebyscore(partition, '-inf', now, 'LIMIT', 0, limit)));
      return due.flat().flatMap((entry) => {
        const slash = entry.indexOf('/');
        return slash > 0 ? [{ room: entry.slice(0, slash), peerId: entry.slice(slash + 1) }] : [];
      });
    },
  };
  return roomState;
}

export type RoomState = ReturnType<typeof createRoomState>;

/** At most `limit` calls of `run` at once; the others wait in order. */
function createGate(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      active += 1;
      try {
        return await work();
      } finally {
        active -= 1;
        waiting.shift()?.();
      }
    },
  };
}
