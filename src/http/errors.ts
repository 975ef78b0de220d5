import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../logging/logger.js';

/** The body of every error answer: `{"error": {"code", "message"}}`. */
type ErrorBody = { error: { code: string; message: string } };

/**
 * An error a client can act on: its status, a stable snake_case code and a
 * human message. Anything else thrown inside a handler is a bug and becomes
 * a bare 500.
 */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, headers: Record<string, string> = {}) {
    super(status, { message });
    this.code = code;
    this.headers = headers;
  }
}

function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

type DependencyFailure = (which: 'mysql' | 'redis', err: unknown) => void;

/**
 * The app's one error handler: client errors as their code, everything else logged and hidden.
 * `onDependencyFailure` hears of each 500 or 503 caused by MySQL or Redis (metrics).
 */
export function createErrorHandler(logger: Logger, onDependencyFailure?: DependencyFailure) {
  return function onError(err: Error, c: Context): Response {
    if (err instanceof ApiError) {
      return c.json(errorBody(err.code, err.message), err.status, err.headers);
    }
    if (err instanceof HTTPException) {
      // Raised by Hono itself (e.g. a malformed request line); never includes internals.
      const status = err.status;
      if (status < 500) return c.json(errorBody('bad_request', err.message || 'Bad request'), status);
    }
    const which = onDependencyFailure && failedDependency(err);
    if (which) onDependencyFailure(which, err);
    if (isDependencyDown(err)) {
      logger.warn({ err: { message: err.message }, method: c.req.method, path: c.req.path }, 'dependency unavailable');
      return c.json(errorBody('unavailable', 'A service Parley depends on is unavailable; try again shortly.'), 503, {
        'Retry-After': '2',
      });
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('internal_error', 'Something went wrong on our side.'), 500);
  };
}

export function notFound(c: Context): Response {
  return c.json(errorBody('not_found', 'No such route.'), 404);
}

export const unauthenticated = () => new ApiError(401, 'unauthenticated', 'Sign in first.');
export const invalidInput = (message: string) => new ApiError(400, 'invalid_input', message);

const DEPENDENCY_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN',
]);

const CLUSTER_TRANSIENT =
  /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) |^Too many Cluster redirections|^Cluster isn't ready|^Cluster is disconnect|^None of startup nodes is available|^Failed to refresh slots cache|^Node is disconnected/;

/**
 * True for errors that mean MySQL or Redis is out of reach rather than that
 * the code is wrong: those deserve a 503 the client may retry, not a 500.
 */
export function isDependencyDown(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && DEPENDENCY_ERROR_CODES.has(code)) return true;
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string') {
      // ioredis reports an outage with these messages and no code.
      if (message.includes("Stream isn't writeable") || message === 'Connection is closed.') return true;
      if (message.includes('Pool is closed') || message.includes('Queue limit reached')) return true;
      // A Redis Cluster between a master's death and its replica's promotion (and until every
      // client has the new slot map). ioredis follows a redirection itself, except for commands
      // batched by auto-pipelining whose replies differ (e.g. MOVED for two slots): those reject
      // with the raw reply. It is the failover, not a bug: 503, which the client retries.
      if (CLUSTER_TRANSIENT.test(message)) return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const REDIS_ERROR_NAMES = new Set(['ReplyError', 'MaxRetriesPerRequestError', 'ClusterAllFailedError', 'AbortError']);

/**
 * Which store an error came from, when it can be told: MySQL errors (mysql2's, also when
 * drizzle wraps them as their cause) carry `sqlMessage`, an `ER_`/`PROTOCOL_` code or
 * `fatal`; ioredis's have their own names and messages. Anything else is undefined.
 */
export function failedDependency(err: unknown): 'mysql' | 'redis' | undefined {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, name, message, sqlMessage, fatal } = e as { code?: unknown; name?: unknown; message?: unknown; sqlMessage?: unknown; fatal?: unknown };
    if (typeof sqlMessage === 'string' || typeof fatal === 'boolean') return 'mysql';
    if (typeof code === 'string' && /^(ER_|PROTOCOL_|POOL_)/.test(code)) return 'mysql';
    if (typeof name === 'string' && REDIS_ERROR_NAMES.has(name)) return 'redis';
    if (typeof message === 'string') {
      if (message.includes('Pool is closed') || message.includes('Queue limit reached')) return 'mysql';
      if (message.includes("Stream isn't writeable") || message === 'Connection is closed.' || CLUSTER_TRANSIENT.test(message)) return 'redis';
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
