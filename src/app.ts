import type { Server as HttpServer } from 'node:http';
import { Hono } from 'hono';
import { loadSession, requireUser } from './auth/middleware.js';
import { createFloodLimiter } from './auth/flood-limit.js';
import { createDummyHash } from './auth/password.js';
import { createPasswordWork } from './auth/password-queue.js';
import { createRateLimiter } from './auth/rate-limit.js';
import { createSessionCache } from './auth/session-cache.js';
import { deleteExpiredSessions } from './auth/session.js';
import { createSessionEnder } from './auth/end-session.js';
import { accountRoutes } from './auth/account-routes.js';
import { authRoutes } from './auth/routes.js';
import type { Config } from './config/config.js';
import type { Database } from './db/client.js';
import { createDirectMessages, type DirectMessages } from './dm/index.js';
import { healthRoutes, readinessRoutes } from './health/routes.js';
import { iceRoutes } from './ice/routes.js';
import { chatRoutes } from './rooms/chat-routes.js';
import { roomBudgets } from './rooms/flood-limits.js';
import { createLobby, type Lobby } from './rooms/lobby.js';
import { createInvites, inviteRoutes } from './rooms/invites.js';
import { lobbyRoutes } from './rooms/lobby-routes.js';
import { ownerRoutes } from './rooms/owner-routes.js';
import { roomRoutes } from './rooms/routes.js';
import { createRoomHub, type RoomHub } from './rooms/hub.js';
import { createRoomState } from './rooms/live-state.js';
import { signallingRoutes } from './rooms/signal-routes.js';
import type { AppEnv, AuthedEnv } from './http/app-env.js';
import { createErrorHandler, notFound } from './http/errors.js';
import { bodyLimit } from './http/middleware/body-limit.js';
import { clientIp } from './http/middleware/client-ip.js';
import { csrf } from './http/middleware/csrf.js';
import { requestLog } from './http/middleware/request-log.js';
import { addSecurityHeadersToEngine, securityHeaders, securityHeaderValues } from './http/middleware/security-headers.js';
import type { Logger } from './logging/logger.js';
import { httpMetrics } from './metrics/http.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createPresence } from './presence/presence.js';
import { closeRedis, duplicateRedis, keySpace, type Redis } from './redis/client.js';
import { userRoutes } from './users/routes.js';

type AppDeps = {
  config: Config;
  database: Database;
  redis: Redis;
  logger: Logger;
  /** What the app counts for Prometheus; served, or not, by the caller (src/server.ts). A registry of its own when not given. */
  metrics?: Metrics;
  /** The web client's routes (src/web/routes.ts); none in tests that need only the API. */
  web?: Hono;
};

export type ParleyApp = {
  app: Hono<AppEnv>;
  hub: RoomHub;
  lobby: Lobby;
  dm: DirectMessages;
  /** The security headers of every answer, for those written outside Hono (src/server.ts). */
  securityHeaders: Record<string, string>;
  /** Attaches what needs the HTTP server itself (the Socket.IO endpoint). */
  attach(server: HttpServer): void;
  /** The start of a graceful stop: from now on `/api/ready` answers 503 `draining`. */
  beginDraining(): void;
  /** Ends everything the app holds open (streams, timers); connections to MySQL and Redis belong to the caller. */
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 128 * 1024;
const SESSION_SWEEP_MS = 60 * 60 * 1000;

/** The composition root: builds the whole HTTP app from its dependencies, with no globals. */
export function createApp({ config, database, redis, logger, web, metrics = createMetrics() }: AppDeps): ParleyApp {
  const db = database.db;
  const key = keySpace(config.redisPrefix);
  const limiter = createRateLimiter(redis, key, metrics.refused);
  const floods = createFloodLimiter(redis, key, { onRefused: metrics.refused });
  const passwords = createPasswordWork({ concurrency: config.passwordHashConcurrency, onRefused: metrics.refused });
  const onRedisError = () => metrics.dependencyFailed('redis');
  redis.on('error', onRedisError);
  const dummyHash = createDummyHash();
  // The dummy hash is awaited only on login; keep its rejection from going unhandled meanwhile.
  dummyHash.catch((err) => logger.error({ err }, 'could not prepare the dummy password hash'));

  const state = createRoomState(redis, key, config.rooms);
  // The one Redis connection this process uses to receive room events, whatever the number of
  // streams: sharded channels only (see hub.ts), on the node that owns each room's slot.
  const roomSubscriber = duplicateRedis(redis, 'parley-room-sub', { sharded: true });
  roomSubscriber.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis room subscriber error'));
  roomSubscriber.on('error', onRedisError);
  roomSubscriber.connect().catch(() => {});
  // Session announcements and the lobby: classic channels, which every process hears wherever they are published.
  const subscriber = duplicateRedis(redis, 'parley-sub');
  subscriber.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis subscriber error'));
  subscriber.on('error', onRedisError);
  subscriber.connect().catch(() => {});
  const security = securityHeaderValues({ secure: config.secure });
  const hub = createRoomHub({ subscriber: roomSubscriber, state, logger, options: config.rooms, securityHeaders: security });
  const lobby = createLobby({ db, redis, subscriber, key, state, logger, options: config.rooms, securityHeaders: security, onRefused: metrics.refused });
  // Every join and every removal made here (leaves, timeouts, logouts) updates the lobby's count.
  state.onCountChanged((room) => lobby.roomUpdated(room));
  const sessionCache = createSessionCache({ publisher: redis, channel: key('sessions'), ttlMs: config.sessionCacheMs, logger });
  subscriber.subscribe(sessionCache.channel).catch(() => {});
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === sessionCache.channel) {
      sessionCache.apply(message);
      // A logout anywhere also ends that session's room event streams held here.
      if (message.startsWith('s:')) {
        hub.endSession(message.slice(2));
        lobby.endSession(message.slice(2));
      }
      // A changed or deleted account: the DM directory re-reads it (see DELETE /api/me).
      if (message.startsWith('u:')) dm.directory.forget(Number(message.slice(2)));
    }
  });

  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(logger, metrics.dependencyFailed));
  app.notFound(notFound);

  app.use(httpMetrics(metrics.http));
  app.use(requestLog(logger, { trustProxy: config.trustProxyHops > 0 }));
  app.use(securityHeaders(security));
  app.use(clientIp({ trustProxyHops: config.trustProxyHops }));

  app.use('/api/*', csrf({ origin: config.origin }));
  app.use('/api/*', bodyLimit(MAX_BODY_BYTES));
  app.use('/api/*', async (c, next) => {
    await next();
    // API answers are per-user; no shared cache may keep them.
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });

  app.route('/api/health', healthRoutes({ db, redis }));
  let draining = false;
  app.route(
    '/api/ready',
    readinessRoutes(() => draining),
  );

  const sessionDeps = { db, cache: sessionCache, secure: config.secure, sessionDays: config.sessionDays };
  // Written by the /dm sockets, read by user search and the conversation list.
  const presence = createPresence(redis, key, config.dm.presenceTimeoutMs);
  const dm = createDirectMessages({ config, database, redis, key, limiter, session: sessionDeps, logger, presence, rooms: state, metrics });
  metrics.watch({ roomStreams: () => hub.size, lobbyStreams: () => lobby.size, dmSockets: () => dm.sockets.size });
  app.use('/api/*', loadSession(sessionDeps));
  // The /dm sockets on every process (through the adapter); this process's room and lobby
  // streams directly too, in case the Redis announcement that ends them elsewhere is lost.
  const endSession = createSessionEnder({
    sessionCache,
    holders: [{ endSession: (sid) => dm.sockets.disconnectSession(sid) }, hub, lobby],
    rooms: state,
    logger,
  });
  app.route(
    '/api/auth',
    authRoutes({
      db,
      limiter,
      sessionCache,
      dummyHash,
      passwords,
      config,
      onLogout: endSession,
    }),
  );

  const authed = new Hono<AuthedEnv>();
  authed.use(requireUser());
  authed.route('/', userRoutes({ db, presence, logger, sessionCache, rooms: state }));
  authed.route('/me', accountRoutes({ db, limiter, passwords, sessionCache, endSession, rooms: state, lobby, logger, config }));
  const budgets = roomBudgets(config.rooms.limits);
  const peers = { perSession: config.rooms.peersPerSession, perUser: config.rooms.peersPerUser };
  const invites = createInvites(redis, key);
  authed.route('/rooms', roomRoutes({ db, state, limiter, floods, budgets, passwords, peers, lobby, invites }));
  authed.route('/rooms', inviteRoutes({ db, state, invites, limiter, directory: dm.directory, blocks: dm.blocks, writer: dm.writer, notify: dm.notify }));
  authed.route('/rooms', ownerRoutes({ db, state, floods, passwords, removalBanS: config.rooms.removalBanS, lobby }));
  authed.route('/lobby', lobbyRoutes({ lobby }));
  authed.route('/rooms', chatRoutes({ db, state, limiter }));
  authed.route('/rooms', signallingRoutes({ db, state, hub, floods, budgets, onRelayed: metrics.signalRelayed }));
  authed.route('/ice-servers', iceRoutes({ ice: config.ice }));
  authed.route('/dm', dm.routes);
  authed.route('/users', dm.blockRoutes);
  app.route('/api', authed);
  if (web) app.route('/', web);

  // Expired sessions are already refused on use; this only keeps the table from growing.
  const sweep = setInterval(() => {
    deleteExpiredSessions(db).catch((err) => logger.warn({ err: { message: err.message } }, 'session sweep failed'));
  }, SESSION_SWEEP_MS);
  sweep.unref();

  return {
    app,
    hub,
    lobby,
    dm,
    securityHeaders: security,
    attach(server) {
      dm.sockets.attach(server);
      addSecurityHeadersToEngine(server, dm.sockets.io, security);
    },
    beginDraining() {
      draining = true;
    },
    async close() {
      draining = true;
      clearInterval(sweep);
      redis.off('error', onRedisError);
      await dm.close();
      await hub.close();
      lobby.close();
      await closeRedis(roomSubscriber);
      await closeRedis(subscriber);
      // A process stopped right after it started may still be computing this hash on a native
      // thread; exiting under it can abort the process instead of letting it exit 0.
      await dummyHash.catch(() => {});
    },
  };
}
