import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

type HttpObserver = { observe(method: string, route: string, status: number, seconds: number): void };

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route a request was for, as its registered pattern (`/api/rooms/:name/signal`), never
 * the raw path: a label value per room or user would grow without end. It is the first
 * matched route registered for a method; middleware (`use`, registered for every method)
 * matches too but is skipped. So a 401 from `requireUser` still counts under the route the
 * request was for, unlike `routePath(c, -1)`, which names whatever matched last, middleware
 * included. The web client's pages and files are `web`; a path no route matches is `other`.
 */
function routeOf(c: Context): string {
  for (const route of matchedRoutes(c)) {
    if (route.method === 'ALL') continue;
    return route.path.startsWith('/api/') ? route.path : 'web';
  }
  return 'other';
}

/**
 * Counts and times every request the app answers. An event stream's handler returns once
 * the stream is open (its head and catch-up written), so a stream counts once, when it
 * starts, and its duration is the time it took to open, not how long it stayed open.
 */
export function httpMetrics(observer: HttpObserver): MiddlewareHandler {
  return async function httpMetrics(c, next) {
    const started = performance.now();
    // Errors thrown by handlers are answered by the app's error handler before this returns.
    await next();
    const method = METHODS.has(c.req.method) ? c.req.method : 'other';
    observer.observe(method, routeOf(c), c.res.status, (performance.now() - started) / 1000);
  };
}
