import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser sent on behalf of another
 * site. Browsers attach `Origin` to every non-GET fetch and form post, and
 * `Sec-Fetch-Site` to every request; neither can be forged by a page. A
 * request passes when its Origin is the configured public origin, or when
 * the browser itself says it is same-origin (the app reached under another
 * host name, e.g. 127.0.0.1 instead of localhost). Anything else, including
 * a request that carries neither header, is refused: scripts and tools must
 * send `Origin` like a browser does.
 */
export function csrf(options: { origin: string }): MiddlewareHandler {
  return async function csrf(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin === options.origin || c.req.header('sec-fetch-site') === 'same-origin') return next();
    throw new ApiError(403, 'forbidden_origin', 'Cross-site requests are not allowed.');
  };
}
