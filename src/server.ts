import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApp, type ParleyApp } from './app.js';
import { webRoutes } from './web/routes.js';
import { answerClientError, answerRequestError } from './http/client-error.js';
import { redactUrl, type Config } from './config/config.js';
import { createDatabase, type Database } from './db/client.js';
import { ensureDatabaseExists, runMigrations } from './db/migrate.js';
import type { Logger } from './logging/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { startMetricsServer } from './metrics/server.js';
import { closeRedis, connectRedis, createRedis, type Redis } from './redis/client.js';

/** A dependency that could not be reached at start, with a one-line explanation for the operator. */
export class StartupError extends Error {}

export type RunningServer = {
  server: Server;
  port: number;
  /** The port `/metrics` is served on (METRICS_PORT), when it is. */
  metricsPort: number | undefined;
  parley: ParleyApp;
  database: Database;
  redis: Redis;
  /** Stops accepting, ends open streams, closes Redis and MySQL. Resolves when all is closed. */
  stop(): Promise<void>;
};

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}

async function prepareDatabase(config: Config): Promise<Database> {
  try {
    await ensureDatabaseExists(config.databaseUrl);
  } catch (err) {
    throw new StartupError(
      `cannot reach MySQL at ${redactUrl(config.databaseUrl)} (${reason(err)}). ` +
        'Start MySQL/MariaDB (e.g. `docker compose up -d mysql` or `service mariadb start`) or set DATABASE_URL.',
    );
  }
  const database = createDatabase(config.databaseUrl);
  try {
    await runMigrations(database);
  } catch (err) {
    await database.close().catch(() => {});
    throw new StartupError(`could not apply the database migrations in drizzle/: ${reason(err)}`);
  }
  return database;
}

async function prepareRedis(config: Config): Promise<Redis> {
  const redis = createRedis(config.redis);
  try {
    await connectRedis(redis);
  } catch (err) {
    redis.disconnect();
    throw new StartupError(
      `cannot reach Redis at ${'cluster' in config.redis ? config.redis.cluster.map((n) => `${n.host}:${n.port}`).join(',') : redactUrl(config.redisUrl)} (${reason(err)}). ` +
        'Start Redis (e.g. `docker compose up -d redis` or `redis-server --daemonize yes`) or set REDIS_URL.',
    );
  }
  return redis;
}

/** Creates the database if needed, migrates, connects Redis and serves on config.host:config.port. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const database = await prepareDatabase(config);
  let redis: Redis;
  try {
    redis = await prepareRedis(config);
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));

  // The process's own metrics (CPU, memory, event loop) only when someone can read them.
  const metrics = createMetrics({ defaultMetrics: config.metrics !== undefined });
  const parley = createApp({ config, database, redis, logger, metrics, web: await webRoutes() });
  const release = async () => {
    await parley.close();
    await closeRedis(redis);
    await database.close().catch(() => {});
  };
  const server = await new Promise<Server>((resolve, reject) => {
    // What serve() does, plus an errorHandler so that requests the adapter cannot turn into a
    // URL are answered in the error shape (src/http/client-error.ts).
    const s = createServer(
      {
        // Slow clients may not hold a connection open for long while sending a request. Node
        // enforces both limits only when it checks its connections, every 30 s by default, so a
        // 15 s limit could take 45 s to bite: check often enough that the limits mean what they say.
        headersTimeout: config.http.headersTimeoutMs,
        requestTimeout: config.http.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, Math.floor(config.http.headersTimeoutMs / 4)),
      },
      getRequestListener(parley.app.fetch, { hostname: config.host, errorHandler: (err) => answerRequestError(err, parley.securityHeaders) }),
    );
    s.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  }).catch(async (err) => {
    await release();
    throw new StartupError(`cannot listen on ${config.host}:${config.port} (${reason(err)}). Set PORT or HOST.`);
  });
  let metricsServer: Server | undefined;
  if (config.metrics) {
    const { host, port } = config.metrics;
    metricsServer = await startMetricsServer(metrics.registry, host, port).catch(async (err) => {
      await new Promise((resolve) => server.close(resolve));
      await release();
      throw new StartupError(`cannot serve metrics on ${host}:${port} (${reason(err)}). Set METRICS_PORT or METRICS_HOST.`);
    });
  }
  parley.attach(server);
  // Requests too malformed to reach the app still get an answer in the error shape.
  server.on('clientError', (err, socket) => answerClientError(err, socket, parley.securityHeaders));
  const port = (server.address() as AddressInfo).port;
  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : undefined;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Readiness fails first. With a drain delay, this process goes on serving as before
      // while proxies and orchestrators, which poll readiness, take it out of rotation.
      parley.beginDraining();
      if (config.shutdownDrainDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDrainDelayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Node goes on serving requests on kept-alive connections after close(). While this
      // process drains, no connection may carry another request: answers say `Connection:
      // close` and idle connections are closed, so a client's next request opens a new
      // connection, which the proxy gives to a process that stays.
      server.prependListener('request', (_req, res) => (res.shouldKeepAlive = false));
      const reap = setInterval(() => server.closeIdleConnections(), 50);
      // Requests still running after the grace period are cut off.
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      try {
        await parley.close();
        await closed;
      } finally {
        clearInterval(reap);
        clearTimeout(force);
      }
      await closeRedis(redis);
      await database.close().catch(() => {});
      // Last, so that a scrape can still see the drain.
      if (metricsServer) {
        const closedMetrics = new Promise((resolve) => metricsServer.close(resolve));
        metricsServer.closeAllConnections();
        await closedMetrics;
      }
    })();
    return stopping;
  };
  return { server, port, metricsPort, parley, database, redis, stop };
}
