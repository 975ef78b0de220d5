import type { ServerResponse } from 'node:http';
import type { Db } from '../db/client.js';
import { ApiError } from '../http/errors.js';
import type { Logger } from '../logging/logger.js';
import type { KeySpace, Redis } from '../redis/client.js';
import { eventStreamHeaders } from './event-stream.js';
import type { RoomState } from './live-state.js';
import { LobbyStream, lobbyFrame } from './lobby-stream.js';
import { isListed, listPublicRooms, toPublicRoom, type PublicRoom } from './public-room.js';
import { findRoomByName, type RoomWithOwner } from './store.js';

/**
 * The lobby: every process's view of the room list, pushed (`GET /api/lobby/events`).
 *
 * One Redis channel carries `room-created`, `room-updated` and `room-deleted` for the
 * whole deployment; each process subscribes it once (on the shared subscriber
 * connection) and fans each message out to its local lobby streams, serialised once.
 *
 * Ordering: every published event carries a number from one Redis counter, taken
 * before the member count and the row it reports are read (and after the MySQL write
 * of a creation or deletion). A process forwards an event only if its number is above
 * the last one it forwarded for that room. A count may still be overtaken: a slower
 * publisher can read a newer count than a faster one with a higher number. But every
 * change of a count schedules an update that takes its number after the change, and
 * the latest number's read comes after all earlier numbers were taken, so the event
 * with the highest number, the one every stream keeps, reads every change. (The
 * counter and the room's members live in different slots of a Redis Cluster, so one
 * atomic step cannot read both.) A new stream takes a number, then reads its snapshot,
 * and drops the held events numbered below it: any change after the snapshot's read
 * brings an event numbered above.
 */

type LobbyOptions = {
  keepAliveMs: number;
  maxBufferedBytes: number;
  /** Lobby streams one user may hold open in one process (tabs); more are refused with 429. */
  perUser?: number;
  /** Lobby streams one process holds at most; more are refused with 503. */
  perProcess?: number;
};

type LobbyEventType = 'room-created' | 'room-updated' | 'room-deleted';

/** At most one `room-updated` per room per this many ms from each process, with the count read when it is sent. */
const COALESCE_MS = 250;
const PER_USER = 8;
const PER_PROCESS = 10_000;
// Rooms whose last forwarded number a process remembers (the oldest are forgotten first).
const MAX_REMEMBERED = 10_000;
const KEEP_ALIVE = Buffer.from(':\n\n');

type Message = { s: number; t: LobbyEventType; n: string; d: string };

/**
 * Tells every process's lobby that a room was created or deleted, without serving any lobby
 * stream: the lobby below publishes through it, and so does the admin command.
 */
export function createLobbyAnnouncer(redis: Redis, key: KeySpace, logger: Logger) {
  const channel = key('lobby', 'ch');
  const seqKey = key('lobby', 'seq');

  async function publish(seq: number, type: LobbyEventType, name: string, data: unknown) {
    const message: Message = { s: seq, t: type, n: name, d: JSON.stringify(data) };
    await redis.publish(channel, JSON.stringify(message));
  }

  const warn = (what: string) => (err: Error) => logger.warn({ err: { message: err.message } }, `lobby: could not publish ${what}`);

  return {
    channel,
    seqKey,
    publish,
    warn,

    /** Tell every lobby that a room now exists. Never throws: the room exists either way. */
    async roomCreated(row: RoomWithOwner): Promise<void> {
      if (!isListed(row)) return;
      try {
        const seq = await redis.incr(seqKey);
        await publish(seq, 'room-created', row.name, { room: toPublicRoom(row, 0) });
      } catch (err) {
        warn('room-created')(err as Error);
      }
    },

    /** Tell every lobby that a room is gone. Never throws. */
    async roomDeleted(row: RoomWithOwner): Promise<void> {
      if (!isListed(row)) return;
      try {
        const seq = await redis.incr(seqKey);
        await publish(seq, 'room-deleted', row.name, { name: row.name });
      } catch (err) {
        warn('room-deleted')(err as Error);
      }
    },
  };
}

export function createLobby(deps: {
  db: Db;
  redis: Redis;
  subscriber: Redis;
  key: KeySpace;
  state: RoomState;
  logger: Logger;
  options: LobbyOptions;
  securityHeaders?: Record<string, string>;
  /** Hears of each stream refused over the per-user limit (metrics). */
  onRefused?: (name: string) => void;
}) {
  const { db, redis, subscriber, key, state, logger, options } = deps;
  const announcer = createLobbyAnnouncer(redis, key, logger);
  const { channel, seqKey, publish, warn } = announcer;
  const headers = eventStreamHeaders(deps.securityHeaders ?? {});
  const perUser = options.perUser ?? PER_USER;
  const perProcess = options.perProcess ?? PER_PROCESS;
  const streams = new Set<LobbyStream>();
  const byUser = new Map<number, number>();
  const lastSeq = new Map<string, number>();
  // Per room: when this process last sent its room-updated, and the timer of the next one.
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  const lastSent = new Map<string, number>();
  let closed = false;

  subscriber.subscribe(channel).catch((err) => logger.warn({ err: { message: err.message } }, 'could not subscribe to the lobby'));
  subscriber.on('message', (ch: string, message: string) => {
    if (ch === channel) dispatch(message);
  });
  // Events published while the subscriber was reconnecting are lost: end the streams, and
  // their clients reconnect (EventSource does, after 2 s) to a fresh snapshot.
  let connectedOnce = false;
  subscriber.on('ready', () => {
    if (!connectedOnce) {
      connectedOnce = true;
      return;
    }
    lastSeq.clear();
    for (const stream of [...streams]) stream.end();
  });

  function dispatch(raw: string) {
    let m: Message;
    try {
      m = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    if (typeof m.s !== 'number' || typeof m.n !== 'string' || typeof m.d !== 'string') return;
    const last = lastSeq.get(m.n);
    if (last !== undefined && m.s < last) return;
    lastSeq.delete(m.n);
    lastSeq.set(m.n, m.s);
    if (lastSeq.size > MAX_REMEMBERED) lastSeq.delete(lastSeq.keys().next().value!);
    const frame = lobbyFrame(m.t, m.d);
    for (const stream of streams) stream.deliver(m.s, frame);
  }

  async function sendUpdate(name: string) {
    // The number first, then the count and the row (see above).
    const seq = await redis.incr(seqKey);
    const count = await redis.hlen(state.keysOf(name).members);
    const row = await findRoomByName(db, name);
    if (!row || !isListed(row)) return;
    await publish(Number(seq), 'room-updated', name, { room: toPublicRoom(row, Number(count)) });
  }

  function flush(name: string) {
    pending.delete(name);
    lastSent.set(name, Date.now());
    sendUpdate(name).catch(warn('room-updated'));
  }

  /**
   * The snapshot for streams opened now: one read (a number, then the rooms) serves every
   * stream that asked before it started, and at most one runs at a time, so a burst of
   * (re)connections, say after a Redis blip, costs a few MySQL reads instead of one each.
   */
  type Snapshot = { seq: number; frame: Buffer };
  let running: Promise<unknown> = Promise.resolve();
  let nextRead: Promise<Snapshot> | null = null;
  function nextSnapshot(): Promise<Snapshot> {
    nextRead ??= running.then(() => {
      nextRead = null;
      const read = (async () => {
        const seq = await redis.incr(seqKey);
        const rooms: PublicRoom[] = await listPublicRooms(db, state);
        return { seq, frame: lobbyFrame('rooms', JSON.stringify({ rooms })) };
      })();
      running = read.catch(() => {});
      return read;
    });
    return nextRead;
  }

  function detach(stream: LobbyStream) {
    if (!streams.delete(stream)) return;
    const n = (byUser.get(stream.userId) ?? 1) - 1;
    if (n > 0) byUser.set(stream.userId, n);
    else byUser.delete(stream.userId);
  }

  const keepAlive = setInterval(() => {
    for (const stream of streams) stream.write(KEEP_ALIVE);
  }, options.keepAliveMs);
  keepAlive.unref();
  // Forget when rooms were last updated, now and then, so that the map does not grow.
  const tidy = setInterval(() => {
    const before = Date.now() - COALESCE_MS;
    for (const [name, at] of lastSent) if (at < before) lastSent.delete(name);
  }, 10 * COALESCE_MS);
  tidy.unref();

  const lobby = {
    roomCreated: announcer.roomCreated,

    /**
     * The hook for anything that changes a room's member count, capacity or lock:
     * a `room-updated` with the latest of them follows within COALESCE_MS (at once
     * when this process sent none for the room in the last COALESCE_MS).
     */
    roomUpdated(name: string): void {
      if (closed || pending.has(name)) return;
      const wait = (lastSent.get(name) ?? 0) + COALESCE_MS - Date.now();
      if (wait <= 0) flush(name);
      else
        pending.set(
          name,
          setTimeout(() => flush(name), wait),
        );
    },

    /** Tell every lobby that a room is gone. Never throws. */
    async roomDeleted(row: RoomWithOwner): Promise<void> {
      clearTimeout(pending.get(row.name));
      pending.delete(row.name);
      await announcer.roomDeleted(row);
    },

    /** Serves a lobby stream on `res`: `rooms` first, then every change, live. */
    async open(res: ServerResponse, user: { id: number }, sessionId: string): Promise<void> {
      if (closed || subscriber.status !== 'ready') throw Object.assign(new Error('Connection is closed.'), { code: 'ECONNREFUSED' });
      if ((byUser.get(user.id) ?? 0) >= perUser) {
        deps.onRefused?.('lobby-streams');
        throw new ApiError(429, 'too_many_streams', `You have ${perUser} room lists open already; close a tab first.`, { 'Retry-After': '10' });
      }
      if (streams.size >= perProcess) {
        throw new ApiError(503, 'unavailable', 'This server has too many room lists open; try again shortly.', { 'Retry-After': '5' });
      }
      const stream = new LobbyStream(user.id, sessionId, res, options.maxBufferedBytes, detach);
      // Held from here on: the snapshot is read after this, so no event between is lost.
      streams.add(stream);
      byUser.set(user.id, (byUser.get(user.id) ?? 0) + 1);
      try {
        // Read after this stream was registered (see nextSnapshot), so no event between is lost.
        const { seq, frame } = await nextSnapshot();
        if (stream.closed) {
          detach(stream);
          if (!res.headersSent) res.destroy();
          return;
        }
        stream.begin(headers);
        stream.goLive(frame, seq);
      } catch (err) {
        stream.abandon();
        detach(stream);
        throw err;
      }
    },

    /** After a logout: that session's lobby streams here end at once. */
    endSession(sessionId: string): void {
      for (const stream of [...streams]) if (stream.sessionId === sessionId) stream.end();
    },

    streamHeaders: headers,

    get size() {
      return streams.size;
    },

    close(): void {
      closed = true;
      clearInterval(keepAlive);
      clearInterval(tidy);
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
      for (const stream of [...streams]) stream.end();
    },
  };
  return lobby;
}

export type Lobby = ReturnType<typeof createLobby>;
