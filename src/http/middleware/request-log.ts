import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../logging/logger.js';
import { requestIdFor, withRequestId } from '../../logging/request-context.js';

/**
 * Gives each request its id and writes one structured line when it is answered: method, path
 * (never the query string, which could carry something private), status and duration. The id
 * comes from the proxy's `X-Request-Id` when proxies are trusted (TRUST_PROXY), so Parley's
 * lines and the proxy's access log share it; otherwise Parley makes one. It goes back to the
 * client in `X-Request-Id`, and every log line written while the request is handled carries it
 * as `reqId`.
 */
export function requestLog(logger: Logger, options: { trustProxy: boolean }): MiddlewareHandler {
  return async function requestLog(c, next) {
    const started = performance.now();
    const id = requestIdFor(c.req.header('x-request-id'), options.trustProxy);
    await withRequestId(id, async () => {
      await next();
      c.res.headers.set('X-Request-Id', id);
      logger.info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    });
  };
}
