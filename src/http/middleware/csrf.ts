import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import { judgeOrigin, ORIGIN_REFUSALS } from '../origin.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser sent on behalf of another
 * site. Browsers attach `Origin` to every non-GET fetch and form post, and
 * `Sec-Fetch-Site` to every request; neither can be forged by a page. A
 * request passes when its Origin is the configured public origin (compared
 * as serialised origins), or when the browser itself says it is same-origin
 * (the app reached under another host name, e.g. 127.0.0.1 instead of
 * localhost). Anything else, including a request that carries neither
 * header, is refused: scripts and tools must send `Origin` like a browser
 * does. Several Origin headers are a malformed request: 400, not 403.
 */
export function csrf(options: { origin: string }): MiddlewareHandler {
  return async function csrf(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const verdict = judgeOrigin(c.req.header('origin'), c.req.header('sec-fetch-site'), options.origin);
    if (verdict === 'same') return next();
    if (verdict === 'duplicate') throw new ApiError(400, ORIGIN_REFUSALS.duplicate.code, ORIGIN_REFUSALS.duplicate.message);
    throw new ApiError(403, ORIGIN_REFUSALS.foreign.code, ORIGIN_REFUSALS.foreign.message);
  };
}
