import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../logging/logger.js';

/**
 * One structured line per request: method, path (never the query string,
 * which could carry something private), status and duration.
 */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
  };
}
