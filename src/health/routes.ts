import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Redis } from '../redis/client.js';

type HealthDeps = { db: Db; redis: Redis; timeoutMs?: number };

type State = 'up' | 'down';

/** Resolves 'up' if `probe` succeeds within the time limit, 'down' otherwise; never throws. */
async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<State> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<State>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([
      probe().then(
        (): State => 'up',
        (): State => 'down',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /api/health`: 200 when MySQL and Redis both answer, 503 naming what does not. */
export function healthRoutes(deps: HealthDeps) {
  const timeoutMs = deps.timeoutMs ?? 1500;
  return new Hono().get('/', async (c) => {
    const [mysql, redis] = await Promise.all([check(() => deps.db.execute(sql`SELECT 1`), timeoutMs), check(() => deps.redis.ping(), timeoutMs)]);
    const ok = mysql === 'up' && redis === 'up';
    if (ok) return c.json({ ok, mysql, redis }, 200, { 'Cache-Control': 'no-store' });
    const down = [mysql === 'down' && 'mysql', redis === 'down' && 'redis'].filter(Boolean).join(' and ');
    return c.json({ ok, mysql, redis, error: { code: 'dependency_down', message: `${down} unreachable` } }, 503, { 'Cache-Control': 'no-store' });
  });
}

/**
 * `GET /api/ready`: 200 while this process takes new work, 503 `draining` from the moment a
 * graceful stop begins, so that a proxy's or an orchestrator's readiness check sends new
 * requests elsewhere while open ones finish. It does not look at MySQL or Redis: every replica
 * shares them, so an outage would make every replica unready at once, and the proxy would then
 * answer with errors of its own instead of Parley's clear 503s (that is /api/health's job).
 */
export function readinessRoutes(isDraining: () => boolean) {
  return new Hono().get('/', (c) => {
    if (!isDraining()) return c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' });
    return c.json({ ok: false, error: { code: 'draining', message: 'this process is stopping; send new work to another' } }, 503, {
      'Cache-Control': 'no-store',
    });
  });
}
