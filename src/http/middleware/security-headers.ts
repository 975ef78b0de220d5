import type { Server as HttpServer } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { Server as SocketServer } from 'socket.io';

/**
 * Browser hardening for every response. The CSP allows only this origin's
 * own scripts, styles and connections (the web client is bundled, with no
 * inline script), plus blob: media for call audio; nothing may frame Parley.
 *
 * One set of headers, as a plain record, because some responses are written
 * outside Hono (event streams, Socket.IO's engine, answers to malformed
 * HTTP) and must carry exactly the same set.
 */
export function securityHeaderValues(options: { secure: boolean }): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Origin-Agent-Cluster': '?1',
    'Permissions-Policy': 'microphone=(self), camera=(self), display-capture=(self), fullscreen=(self), geolocation=()',
    'Referrer-Policy': 'same-origin',
    ...(options.secure ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
    'X-Content-Type-Options': 'nosniff',
    'X-DNS-Prefetch-Control': 'off',
    'X-Download-Options': 'noopen',
    'X-Frame-Options': 'DENY',
    'X-Permitted-Cross-Domain-Policies': 'none',
    'X-XSS-Protection': '0',
  };
}

/** Sets `values` (from securityHeaderValues) on every response that passes through Hono. */
export function securityHeaders(values: Record<string, string>): MiddlewareHandler {
  const entries = Object.entries(values);
  return async function securityHeaders(c, next) {
    await next();
    for (const [name, value] of entries) c.res.headers.set(name, value);
  };
}

/**
 * The same headers on Socket.IO's answers, which its engine writes straight to Node: set
 * before the engine sees a request (so its error answers carry them too), and added to
 * the WebSocket upgrade's head through the engine's `headers` event.
 */
export function addSecurityHeadersToEngine(server: HttpServer, io: SocketServer, values: Record<string, string>): void {
  const path = io.path();
  const entries = Object.entries(values);
  server.prependListener('request', (req, res) => {
    if (!req.url?.startsWith(path)) return;
    for (const [name, value] of entries) res.setHeader(name, value);
  });
  io.engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, values));
}
