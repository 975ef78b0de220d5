import type { Server as HttpServer } from 'node:http';
import type { Socket as TcpSocket } from 'node:net';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Cluster } from 'ioredis';
import { parse as parseCookies } from 'hono/utils/cookie';
import { Server, type Namespace } from 'socket.io';
import { sessionCookieName } from '../auth/cookie.js';
import { resolveSessionToken, type SessionDeps } from '../auth/middleware.js';
import { validateSessionToken, type SessionUser } from '../auth/session.js';
import { judgeOrigin, ORIGIN_REFUSALS } from '../http/origin.js';
import type { Logger } from '../logging/logger.js';
import type { Redis } from '../redis/client.js';
import { createAdapterParser } from './adapter-parser.js';
import type { Calls } from './calls.js';
import type { DmAckedEvent, DmAckOf, DmClientToServerEvents, DmServerToClientEvents, Notify } from './events.js';
import type { Presence } from '../presence/presence.js';
import { DM_NAMESPACE } from './protocol.js';
import { userRoom, type DmService } from './service.js';
import { createSocketBudget } from './socket-budget.js';
import type { UserDirectory } from './user-directory.js';

/**
 * The `/dm` Socket.IO namespace. Several processes work as one through the
 * Redis adapter: an emit to `user:<id>` reaches that user's sockets
 * wherever they are connected.
 */

// The token stays in this process's memory only, to re-check the session when it is due to expire.
type SocketData = { user: SessionUser; sessionId: string; token: string; expiresAt: number };
type DmNamespace = Namespace<DmClientToServerEvents, DmServerToClientEvents, Record<string, never>, SocketData>;

const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/** Disconnects every socket of a session, on every process (through the namespace's adapter). */
export function disconnectSessionSockets(nsp: Pick<Namespace, 'in'>, sessionId: string): void {
  nsp.in(sessionRoom(sessionId)).disconnectSockets(true);
}

type DmNamespaceOptions = {
  pub: Redis;
  sub: Redis;
  adapterKey: string;
  /** A connection that joins no namespace in this time is closed. */
  connectTimeoutMs?: number;
};

/**
 * The Socket.IO server and its `/dm` namespace, with nothing served yet, and
 * `notify`, which emits through them. It comes first so that what notifies
 * (the service, calls, invitations) can be built with it before the sockets'
 * handlers, which need those, are installed by createDmSockets.
 */
export function createDmNamespace(options: DmNamespaceOptions) {
  const parser = createAdapterParser();
  const io = new Server<DmClientToServerEvents, DmServerToClientEvents, Record<string, never>, SocketData>({
    path: '/socket.io/',
    serveClient: false,
    // A direct message is at most 4000 characters; nothing legitimate comes near this.
    maxHttpBufferSize: 64 * 1024,
    // Socket.IO keeps a connection that has joined no namespace for 45 s by default; an
    // anonymous client could hold thousands that way. Refused handshakes end here too.
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    // On a Redis Cluster, sharded pub/sub: a process subscribes the channel of each user and
    // session it holds sockets for (`dynamic`), on the node of that channel's slot, so a message
    // reaches only the processes with a socket that wants it instead of every node and process.
    // (It encodes with MessagePack and takes no parser.)
    adapter:
      options.pub instanceof Cluster
        ? createShardedAdapter(options.pub, options.sub, { channelPrefix: options.adapterKey, subscriptionMode: 'dynamic' })
        : createAdapter(options.pub, options.sub, { key: options.adapterKey, parser }),
  });
  const nsp: DmNamespace = io.of(DM_NAMESPACE);
  if (!(options.pub instanceof Cluster)) {
    for (const adapter of [io.of('/').adapter, nsp.adapter]) parser.own((adapter as unknown as { uid: string }).uid);
  }
  // Only `/dm` is served. Socket.IO always has the default namespace `/`; nobody may join it.
  io.of('/').use((_socket, next) => next(refusal('invalid_namespace', 'Connect to the /dm namespace.')));
  /** Emits to the sockets in `rooms`, on every process. */
  const notify = ((rooms, event, data) => {
    // `emit` cannot tie a generic event name to its payload; Notify's signature does.
    (nsp.to(rooms) as unknown as { emit(event: string, data: unknown): boolean }).emit(event, data);
  }) as Notify;
  return { io, nsp, notify };
}

type DmNamespaceHandle = ReturnType<typeof createDmNamespace>;

type DmSocketDeps = {
  namespace: DmNamespaceHandle;
  session: SessionDeps;
  origin: string;
  service: DmService;
  calls: Calls;
  presence: Presence;
  directory: UserDirectory;
  /** Events one socket may emit per window before it is disconnected as a flood. */
  socketBudget: { maxEvents: number; windowMs: number };
  /** Hears of each flood refusal: a socket cut off over its budget, a handshake refused while its user cools down. */
  onRefused?: (name: string) => void;
  logger: Logger;
};

type Transport = { name?: string; send(packets: unknown[]): void; socket?: { _socket?: TcpSocket } };

/**
 * Makes a websocket transport write a flush of several packets in one
 * syscall. engine.io sends the first packet of a burst at once and queues the
 * rest until that write completes, then hands them over together, but ws
 * writes each frame on its own; corking the TCP connection around the flush
 * turns N writes into one. Under load a socket receives many acks and
 * messages per turn of the event loop, and these writes are most of the
 * server's CPU time.
 */
function coalesceWrites(transport: Transport) {
  const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
  if (!tcp || typeof tcp.cork !== 'function') return;
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    if (packets.length < 2) return send(packets);
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}

/**
 * A handshake refusal: the client's `connect_error` has the code as its
 * message (what the contract names) and `{code, message}` as its `data`.
 */
function refusal(code: string, message: string): Error {
  return Object.assign(new Error(code), { data: { code, message } });
}

const REFUSALS = {
  unauthenticated: () => refusal('unauthenticated', 'Sign in first: the handshake needs the session cookie from login.'),
  unavailable: () => refusal('unavailable', 'The session cannot be checked right now; try again.'),
  flooding: (seconds: number) => refusal('rate_limited', `Too many events from this account; connect again in ${seconds} s.`),
  origin: (verdict: 'foreign' | 'duplicate') => refusal(ORIGIN_REFUSALS[verdict].code, ORIGIN_REFUSALS[verdict].message),
};

export function createDmSockets(deps: DmSocketDeps) {
  const { service, calls, presence, directory, logger } = deps;
  const { io, nsp } = deps.namespace;
  const budget = createSocketBudget(deps.socketBudget);
  // Set by close(): the process is stopping, and its clients are moving to another.
  let stopping = false;

  async function announce(userId: number, online: boolean) {
    const user = await directory.byId(userId).catch(() => undefined);
    if (user) nsp.emit('presence', { username: user.username, online });
  }

  // The handshake carries the same cookie as HTTP requests and is checked the same way,
  // Origin included, before any event of the socket is handled. Without a cookie there is
  // nothing a foreign page could abuse, so the answer is `unauthenticated`, which tells a
  // script what it lacks. With one, the Origin is checked before the session: a cookie sent
  // along by another site's page (CSRF on websockets) is refused whatever it holds.
  nsp.use(async (socket, next) => {
    const headers = socket.handshake.headers;
    const token = parseCookies(headers.cookie ?? '', sessionCookieName(deps.session))[sessionCookieName(deps.session)];
    if (!token) return next(REFUSALS.unauthenticated());
    const origin = judgeOrigin(headers.origin, headers['sec-fetch-site'] as string | undefined, deps.origin);
    if (origin !== 'same') return next(REFUSALS.origin(origin));
    try {
      const result = await resolveSessionToken(deps.session, token, true);
      if (!result) return next(REFUSALS.unauthenticated());
      const cooling = budget.coolingDown(result.user.id);
      if (cooling > 0) {
        deps.onRefused?.('dm-socket-flood');
        return next(REFUSALS.flooding(cooling));
      }
      socket.data = { user: result.user, sessionId: result.session.id, token, expiresAt: result.session.expiresAt.getTime() };
    } catch {
      return next(REFUSALS.unavailable());
    }
    // The socket counts as online before its client hears `connect`: a tab that opens and then
    // closes another must never make its user look offline in between. A socket that goes
    // before `connection` leaves its entry to the sweep, after the presence timeout.
    const { user } = socket.data;
    const first = await presence.connect(user.id, socket.id).catch((err: Error) => {
      logger.warn({ err: { message: err.message } }, 'presence connect failed');
      return false;
    });
    next();
    if (first) void announce(user.id, true);
  });

  nsp.on('connection', (socket) => {
    const { user, sessionId } = socket.data;
    socket.join([userRoom(user.id), sessionRoom(sessionId)]);
    // Before any handler: a flooding socket is cut off at the cost of counting its events.
    socket.use((_packet, next) => {
      if (budget.take(socket.id, user.id)) return next();
      if (!socket.connected) return;
      deps.onRefused?.('dm-socket-flood');
      logger.warn({ userId: user.id }, 'dm socket over its event budget: disconnected');
      socket.disconnect(true);
    });

    // Socket.IO passes the ack as the last argument, after however many the client sent: taking
    // the last argument as the ack, an emit with extra arguments or with no payload at all still
    // gets its answer. The payload is the first argument that is not the ack.
    const split = (args: unknown[]): [unknown, (r: unknown) => void] => {
      const last = args.at(-1);
      if (typeof last !== 'function') return [args[0], () => {}];
      return [args.length > 1 ? args[0] : undefined, last as (r: unknown) => void];
    };
    // Every event with an ack, and what answers it. Handlers never throw: failures are acks.
    // The acks are checked against the event maps; the payloads are not trusted: each handler
    // parses its own with a schema, whatever the client sent.
    const acked: { [E in DmAckedEvent]: (payload: unknown) => Promise<DmAckOf<E>> } = {
      'dm:send': (p) => service.send(user, p),
      'dm:read': (p) => service.read(user, p),
      'call:ring': (p) => calls.ring(user, p),
      'call:accept': (p) => calls.accept(user, p),
      'call:decline': (p) => calls.stop(user, p, 'decline'),
      'call:cancel': (p) => calls.stop(user, p, 'cancel'),
      'call:hangup': (p) => calls.stop(user, p, 'hangup'),
    };
    for (const event of Object.keys(acked) as DmAckedEvent[]) {
      const handle: (payload: unknown) => Promise<unknown> = acked[event];
      socket.on(event, async (...args: unknown[]) => {
        const [payload, ack] = split(args);
        ack(await handle(payload));
      });
    }
    socket.on('dm:typing', (payload: unknown) => void service.typing(user, payload));
    // A tab that opens (or reconnects) while a call to its user is ringing rings too.
    calls
      .ringingFor(user.id)
      .then((ringing) => {
        for (const call of ringing) if (socket.connected) socket.emit('call:incoming', { call });
      })
      .catch(() => {});

    socket.on('disconnect', () => {
      budget.forget(socket.id);
      // A stopping process leaves its sockets' presence to expire: the same people reconnect
      // to another process before it does, and so never appear offline (see close()).
      if (stopping) return;
      presence
        .disconnect(user.id, socket.id)
        .then((last) => (last ? announce(user.id, false) : undefined))
        .catch((err) => logger.warn({ err: { message: err.message } }, 'presence disconnect failed'));
    });
  });

  /**
   * A session can end without a logout: it expires. Sockets whose session was
   * due to expire by `now` (the present, but for tests) are checked against
   * the database again (their session may have slid forward through HTTP use
   * meanwhile); those whose session is gone are disconnected, as after a logout.
   */
  async function checkExpiredSessions(now = Date.now()) {
    const due = [...nsp.sockets.values()].filter((s) => s.data.expiresAt <= now);
    for (const socket of due) {
      try {
        // Straight from MySQL, which knows the current expiry (a cached validation may not).
        const result = await validateSessionToken(deps.session.db, socket.data.token, deps.session.sessionDays, { renew: false });
        if (result) socket.data.expiresAt = result.session.expiresAt.getTime();
        else socket.disconnect(true);
      } catch {
        // The database is unavailable: check again next time.
      }
    }
  }

  const stopHeartbeat = presence.heartbeat(
    () => [...nsp.sockets.values()].map((s) => ({ userId: s.data.user.id, socketId: s.id })),
    (userId) => void announce(userId, false),
  );
  // As often as presence renews: a socket outlives its session by at most that long.
  const sessionCheck = setInterval(() => void checkExpiredSessions(), presence.renewEveryMs);
  sessionCheck.unref();

  return {
    io,
    /** Sockets connected to `/dm` on this process. */
    get size() {
      return nsp.sockets.size;
    },
    attach(server: HttpServer) {
      io.attach(server);
      io.engine.on('connection', (conn: { transport: Transport; on(event: 'upgrade', fn: (t: Transport) => void): void }) => {
        coalesceWrites(conn.transport);
        conn.on('upgrade', coalesceWrites);
      });
    },
    /**
     * Records every socket of this process in presence again. After Redis
     * restarted empty, the renewals (which never re-add a socket) would
     * otherwise leave everyone connected here offline.
     */
    reregister() {
      for (const s of nsp.sockets.values()) {
        presence
          .connect(s.data.user.id, s.id)
          .then((first) => (first ? announce(s.data.user.id, true) : undefined))
          .catch(() => {});
      }
    },
    checkExpiredSessions,
    /** Disconnects every socket of a session, on every process (after logout). */
    disconnectSession(sessionId: string) {
      disconnectSessionSockets(nsp, sessionId);
    },
    /**
     * For a graceful stop. Closing the transports, rather than disconnecting
     * the sockets, is what lets clients come back: Socket.IO clients take a
     * server's disconnect as final and never reconnect, while a closed
     * transport makes them reconnect by themselves, through the proxy, to a
     * process that stays. Messages already being written still commit (the
     * writer drains after this); their acks are lost with the connection, and
     * the clients' resends with the same clientId get the stored message.
     */
    async close() {
      stopping = true;
      stopHeartbeat();
      clearInterval(sessionCheck);
      io.engine?.close();
    },
  };
}
