import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/client.js';
import type { AppEnv, AuthedEnv } from '../http/app-env.js';
import { unauthenticated } from '../http/errors.js';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './cookie.js';
import type { SessionCache } from './session-cache.js';
import { isWellFormedToken, sessionIdFromToken, validateSessionToken, type SessionValidation } from './session.js';

export type SessionDeps = { db: Db; cache: SessionCache; secure: boolean; sessionDays: number };

/**
 * The session behind a token: from this process's cache when fresh, else
 * from MySQL (caching the answer). Used for HTTP requests and for the
 * direct-message socket handshake alike.
 */
export async function resolveSessionToken(deps: SessionDeps, token: string, renew: boolean): Promise<SessionValidation | null> {
  const cached = isWellFormedToken(token) ? deps.cache.get(sessionIdFromToken(token)) : undefined;
  if (cached) return cached;
  const result = await validateSessionToken(deps.db, token, deps.sessionDays, { renew });
  if (result && renew) deps.cache.set(result.session.id, result);
  return result;
}

/**
 * Resolves the session cookie into `c.var.user` and `c.var.session` (or
 * null). A cookie for a session that no longer exists is cleared; a session
 * whose expiry slid forward gets its cookie renewed to match.
 */
export function loadSession(deps: SessionDeps): MiddlewareHandler<AppEnv> {
  return async function loadSession(c, next) {
    c.set('session', null);
    c.set('user', null);
    const token = readSessionCookie(c, deps);
    if (token) {
      // An event stream's response is written outside Hono and can carry no renewed
      // cookie, so those requests leave renewal to the client's ordinary requests.
      const renew = !(c.req.header('accept') ?? '').includes('text/event-stream');
      const result = await resolveSessionToken(deps, token, renew);
      if (result) {
        c.set('session', result.session);
        c.set('user', result.user);
        if (result.renewed) setSessionCookie(c, token, result.session.expiresAt, deps);
      } else {
        clearSessionCookie(c, deps);
      }
    }
    return next();
  };
}

/** 401 `unauthenticated` unless `loadSession` found a valid session. */
export function requireUser(): MiddlewareHandler<AuthedEnv> {
  return async function requireUser(c, next) {
    if (!c.get('user')) throw unauthenticated();
    return next();
  };
}
