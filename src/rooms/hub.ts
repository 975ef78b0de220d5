import type { ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { slotOwner, type Redis } from '../redis/client.js';
import { decodePublished, endsStreamOf, eventData, isFor, sseFrame, type RoomEvent } from './events.js';
import type { RoomState } from './live-state.js';
import { eventStreamHeaders, LocalStream } from './event-stream.js';

/**
 * One process's side of the room event streams. It holds a single Redis
 * subscriber connection for all of its streams, subscribes a room's sharded
 * channel (SSUBSCRIBE) when the room's first local stream opens and
 * unsubscribes when the last closes, and fans each published event out to the
 * local streams it is for: serialised once, the same bytes written to every
 * recipient.
 *
 * The connection is the hub's alone: it holds sharded subscriptions only. On one
 * Redis 7.0 server, SUNSUBSCRIBE of the last sharded channel reports 0
 * subscriptions even while classic ones remain, and ioredis then leaves
 * subscriber mode and fails on the next classic message.
 *
 * It also keeps membership honest across processes: it refreshes the
 * deadlines of members whose streams it holds, and sweeps members whose
 * deadline passed (streams closed too long, or held by a process that died).
 */

type HubOptions = { keepAliveMs: number; maxBufferedBytes: number; memberTimeoutMs: number };

/** `node`: on a cluster, the node (`host:port`) that held the room's slot when it was subscribed. */
type RoomEntry = { channel: string; streams: Set<LocalStream>; subscribed: Promise<unknown>; node: string | undefined };

const KEEP_ALIVE = Buffer.from(':\n\n');

export function createRoomHub(deps: {
  subscriber: Redis;
  state: RoomState;
  logger: Logger;
  options: HubOptions;
  /** The headers every response of the app carries (src/http/middleware/security-headers.ts). */
  securityHeaders?: Record<string, string>;
}) {
  const { subscriber, state, logger, options } = deps;
  const headers = eventStreamHeaders(deps.securityHeaders ?? {});
  const rooms = new Map<string, RoomEntry>();
  const byChannel = new Map<string, RoomEntry>();
  const byPeer = new Map<string, LocalStream>();
  // The streams of each session, so that a logout can end them (see endSession).
  const bySession = new Map<string, Set<LocalStream>>();
  const sessionOf = new WeakMap<LocalStream, string>();
  let closed = false;

  subscriber.on('smessage', (channel: string, message: string) => {
    const entry = byChannel.get(channel);
    if (entry) dispatch(entry, message);
  });

  // After a reconnection, find out whether Redis lost the live state (a restart without
  // persistence). Streams of rooms whose state is gone are ended: their clients reconnect,
  // learn they are no longer members (403) and join again, instead of sitting in a room
  // that no longer knows them. A mere network blip keeps every stream.
  let connectedOnce = false;
  subscriber.on('ready', () => {
    if (!connectedOnce) {
      connectedOnce = true;
      return;
    }
    void endStreamsOfLostRooms();
  });

  // On a Redis Cluster a room's subscription lives on the node that owns its slot. When that
  // connection is lost (the node died and its replica is being promoted), ioredis subscribes the
  // channel again once it knows the new owner; but the promoted replica may accept events before
  // that, and those never reach this process live. Such a stream would stay open with a hole in
  // it, which no reconnection ever fills (a lost signal breaks the call's negotiation). So the
  // rooms of the lost node are marked, and once a subscription of their channel succeeds again
  // (which cannot happen on a dead node), their streams are ended: the clients reconnect with
  // Last-Event-ID and the replay from the room's event log gives them what was missed. Ending
  // them only then keeps the reconnection from landing in the failover and being refused.
  const suspect = new Set<string>();
  let confirming = false;
  subscriber.on('-node', (_node: unknown, nodeKey: string) => {
    if (closed) return;
    for (const [room, entry] of rooms) {
      if (entry.node === undefined || entry.node === nodeKey || slotOwner(subscriber, entry.channel) === nodeKey) suspect.add(room);
    }
    if (suspect.size > 0) void resumeSuspectRooms();
  });

  async function resumeSuspectRooms() {
    if (confirming) return;
    confirming = true;
    try {
      while (suspect.size > 0 && !closed) {
        await new Promise((r) => setTimeout(r, 250).unref());
        for (const room of [...suspect]) {
          const entry = rooms.get(room);
          if (!entry || closed) {
            // No stream left here: the next one subscribes afresh before it reads the log.
            suspect.delete(room);
            continue;
          }
          try {
            await subscriber.ssubscribe(entry.channel);
          } catch {
            // The slot's new owner is not known or not up yet: try again shortly.
            if (rooms.get(room) !== entry) suspect.delete(room);
            continue;
          }
          suspect.delete(room);
          if (rooms.get(room) !== entry) {
            // Its streams all closed meanwhile (any opened since subscribed afresh); drop the
            // subscription just made unless a new stream of the room needs it.
            if (!rooms.has(room)) subscriber.sunsubscribe(entry.channel).catch(() => {});
            continue;
          }
          entry.node = slotOwner(subscriber, entry.channel);
          logger.warn({ room, node: entry.node }, 'room subscription moved to another Redis node; ending its streams so clients resume with Last-Event-ID');
          for (const stream of [...entry.streams]) stream.end();
        }
      }
    } finally {
      confirming = false;
    }
  }

  async function endStreamsOfLostRooms() {
    for (const [room, entry] of rooms) {
      try {
        if (await state.isLive(room)) continue;
      } catch {
        continue;
      }
      logger.warn({ room }, 'room state lost in Redis; ending its streams so clients rejoin');
      for (const stream of [...entry.streams]) stream.end();
    }
  }

  function dispatch(entry: RoomEntry, message: string) {
    const event = decodePublished(message);
    if (!event) {
      logger.debug({ channel: entry.channel }, 'dropped a malformed room message');
      return;
    }
    const frame = sseFrame(event.id, event.type, event.data);
    for (const stream of entry.streams) {
      if (isFor(event, stream.peerId)) stream.deliver(event.id, frame, endsStreamOf(event, stream.peerId));
    }
  }

  function deliverStored(stream: LocalStream, event: RoomEvent) {
    if (!isFor(event, stream.peerId)) return;
    stream.writeCaughtUp(event.id, sseFrame(event.id, event.type, event.data), endsStreamOf(event, stream.peerId));
  }

  function attach(stream: LocalStream): Promise<unknown> {
    let entry = rooms.get(stream.room);
    if (!entry) {
      const channel = state.keysOf(stream.room).channel;
      entry = { channel, streams: new Set(), subscribed: subscriber.ssubscribe(channel), node: slotOwner(subscriber, channel) };
      // A failed subscribe is reported to the stream being opened, below.
      entry.subscribed.catch(() => {});
      rooms.set(stream.room, entry);
      byChannel.set(channel, entry);
    }
    entry.streams.add(stream);
    return entry.subscribed;
  }

  function detach(stream: LocalStream) {
    const key = `${stream.room}/${stream.peerId}`;
    if (byPeer.get(key) === stream) byPeer.delete(key);
    const sid = sessionOf.get(stream);
    const ofSession = sid === undefined ? undefined : bySession.get(sid);
    if (ofSession?.delete(stream) && ofSession.size === 0) bySession.delete(sid!);
    const entry = rooms.get(stream.room);
    if (!entry?.streams.delete(stream) || entry.streams.size > 0) return;
    rooms.delete(stream.room);
    byChannel.delete(entry.channel);
    subscriber.sunsubscribe(entry.channel).catch(() => {});
  }

  /**
   * A member removed without its stream hearing of it (its member-left published while
   * this process's subscriber was reconnecting, say): the heartbeat finds it gone and
   * ends its stream, so no stream runs for a non-member longer than one heartbeat.
   */
  function endGoneMember({ room, peerId }: { room: string; peerId: string }) {
    const stream = byPeer.get(`${room}/${peerId}`);
    if (!stream) return;
    stream.membershipEnded = true;
    stream.end();
  }

  function onStreamClosed(stream: LocalStream) {
    detach(stream);
    if (stream.membershipEnded) return;
    // The member may reconnect (to any process) within the timeout; after that the sweeper removes it.
    state
      .refreshDeadlines([{ room: stream.room, peerId: stream.peerId }], Date.now() + options.memberTimeoutMs)
      .catch((err) => logger.warn({ err: { message: err.message } }, 'could not start a member grace period'));
  }

  const keepAlive = setInterval(() => {
    for (const stream of byPeer.values()) stream.write(KEEP_ALIVE);
  }, options.keepAliveMs);

  const heartbeat = setInterval(
    () => {
      if (byPeer.size === 0) return;
      const entries = [...byPeer.values()].map((s) => ({ room: s.room, peerId: s.peerId }));
      state
        .refreshDeadlines(entries, Date.now() + options.memberTimeoutMs)
        .then((gone) => gone.forEach(endGoneMember))
        .catch((err) => logger.warn({ err: { message: err.message } }, 'member heartbeat failed'));
    },
    Math.max(50, Math.floor(options.memberTimeoutMs / 4)),
  );

  let sweeping = false;
  const sweeper = setInterval(
    async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        const now = Date.now();
        const due = await state.expired(now, 200);
        for (const { room, peerId } of due) await state.expire(room, peerId, now);
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'member sweep failed');
      } finally {
        sweeping = false;
      }
    },
    Math.max(50, Math.min(2000, Math.floor(options.memberTimeoutMs / 8))),
  );

  for (const timer of [keepAlive, heartbeat, sweeper]) timer.unref();

  return {
    /**
     * Serves `peerId`'s event stream on `res`: everything missed since
     * `lastEventId` when it can be replayed whole, else a fresh `welcome`;
     * then live events, in order, none twice.
     */
    async open(room: string, peerId: string, res: ServerResponse, lastEventId: string | undefined, sessionId: string): Promise<'ok' | 'not_a_member'> {
      if (subscriber.status !== 'ready') throw Object.assign(new Error('Connection is closed.'), { code: 'ECONNREFUSED' });
      if (closed) throw new Error('hub is closed');
      const stream = new LocalStream(room, peerId, res, options.maxBufferedBytes, onStreamClosed);
      // Known to its session at once, so that a logout from here on ends it.
      sessionOf.set(stream, sessionId);
      let ofSession = bySession.get(sessionId);
      if (!ofSession) {
        ofSession = new Set();
        bySession.set(sessionId, ofSession);
      }
      ofSession.add(stream);
      try {
        // Subscribe first: live events are held in the stream until the catch-up is written.
        // Then the membership check and the catch-up are read in one atomic step, so a
        // removal either comes before it (refused here) or is published after it, reaching
        // this stream live and ending it. Nothing is missed and no removal slips between.
        await attach(stream);
        const start = await state.startStream(room, peerId, sessionId, lastEventId);
        if (closed && start.kind !== 'not_a_member') {
          // The process began to stop while this stream was being opened: close() did not see
          // it. Cut it now, so that its client reconnects to a process that stays, at once
          // rather than when the stop's grace period runs out. The member keeps its grace period.
          stream.abandon();
          detach(stream);
          if (!res.headersSent) res.destroy();
          return 'ok';
        }
        if (start.kind === 'not_a_member' || stream.closed) {
          // No grace period: this stream never held the member (it may be someone else's).
          stream.membershipEnded = true;
          stream.abandon();
          detach(stream);
          if (start.kind === 'not_a_member') return 'not_a_member';
          // Ended while opening (a logout, or the client went away): nothing to serve.
          if (!res.headersSent) res.destroy();
          return 'ok';
        }
        // Only a member's own session may replace its stream.
        const key = `${room}/${peerId}`;
        byPeer.get(key)?.end();
        byPeer.set(key, stream);
        // Nothing has been written yet, so a failure above still becomes a proper error answer.
        stream.begin(headers);
        if (start.kind === 'replay') {
          stream.startAt(lastEventId!);
          for (const event of start.events) deliverStored(stream, event);
        } else {
          stream.writeCaughtUp(start.lastId, sseFrame(start.lastId, 'welcome', eventData('welcome', { peerId, members: start.members })), false);
        }
        stream.goLive();
        return 'ok';
      } catch (err) {
        if (stream.begun) {
          stream.end();
        } else {
          stream.abandon();
          detach(stream);
        }
        throw err;
      }
    },

    /**
     * After a logout: ends this process's streams of that session at once (an open
     * stream must not keep reading the room for a session that no longer exists) and
     * removes their members, so the others see them leave now rather than after the
     * member timeout. Every process calls this when the logout is announced.
     */
    endSession(sessionId: string): void {
      const ofSession = bySession.get(sessionId);
      if (!ofSession) return;
      bySession.delete(sessionId);
      for (const stream of ofSession) {
        stream.membershipEnded = true;
        stream.end();
        state
          .leave(stream.room, stream.peerId, sessionId, 'left')
          .catch((err) => logger.warn({ err: { message: err.message } }, 'could not remove a logged-out member'));
      }
    },

    /** The head of an event stream, for HEAD to send the same. */
    streamHeaders: headers,

    /** Number of streams open in this process. */
    get size() {
      return byPeer.size;
    },

    /** Rooms with at least one local stream, i.e. Redis channels this process is subscribed to. */
    get subscribedRooms() {
      return rooms.size;
    },

    async close() {
      closed = true;
      for (const timer of [keepAlive, heartbeat, sweeper]) clearInterval(timer);
      for (const stream of [...byPeer.values()]) stream.end();
    },
  };
}

export type RoomHub = ReturnType<typeof createRoomHub>;
