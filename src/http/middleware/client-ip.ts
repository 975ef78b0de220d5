import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * Works out the client's address once per request, for rate limits and logs.
 * X-Forwarded-For is only believed for the number of proxy hops the operator
 * declared (TRUST_PROXY): each trusted proxy appends the address it saw, so
 * the client is the entry that many places from the right. Without trusted
 * proxies the header is ignored, or any client could choose its own address.
 */
export function clientIp(options: { trustProxyHops: number }): MiddlewareHandler<AppEnv> {
  return async function clientIp(c, next) {
    const socketAddress = c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
    let ip = socketAddress;
    if (options.trustProxyHops > 0) {
      const forwarded = (c.req.header('x-forwarded-for') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const candidate = forwarded[forwarded.length - options.trustProxyHops];
      if (candidate) ip = candidate;
    }
    c.set('clientIp', ip.replace(/^::ffff:/, ''));
    return next();
  };
}
