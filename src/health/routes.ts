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
