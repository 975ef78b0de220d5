import type { KeySpace, Redis } from '../redis/client.js';

/**
 * Per-user budgets for frequent requests (signals, state updates, joins): at
 * most `max` units per window, counted in Redis so the budget holds across
 * processes, like the limits of rate-limit.ts. What differs is the hot path:
 * those limits wait for Redis on every hit, which would add a round trip to
 * every signal. Here a process decides on its own while the user has spent
 * less than half the budget (by what it last heard from Redis plus what it
 * has counted since), and adds what it let through to Redis's count within
 * `syncMs`, in one command per budget; past half, each decision waits for
 * Redis's count. Once the budget is spent, the process refuses on its own
 * until the window ends, so a flood costs no Redis work.
 *
 * The half is the margin for other processes. Once Redis's count shows that
 * another process spends from the same budget in this window, every decision
 * on it waits for Redis, so a user spending from several processes at once
 * can exceed `max` only by what they let through before that showed, about
 * `syncMs` or two worth at the window's start.
 *
 * A refusal is answered only after `refusalDelayMs` (at most until the window
 * ends): a client that keeps many requests in flight regardless of 429s
 * would otherwise get hundreds of cheap refusals a second, and even cheap
 * ones, on one event loop, delay everyone else's requests. Held this way it
 * gets a few. Only `maxHeldPerName` refusals per budget and `maxHeld` in all
 * are held at once (each holds a request and its socket); past that they are
 * answered at once.
 */

const TAKE = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

export type Budget = { max: number; windowMs: number };
type BudgetState = { allowed: boolean; retryAfterSeconds: number };
export type FloodLimiter = { take(name: string, budget: Budget, cost?: number): Promise<BudgetState> };
type FloodLimiterOptions = {
  syncMs?: number;
  refusalDelayMs?: number;
  maxHeldPerName?: number;
  maxHeld?: number;
  /** Hears of every refusal, by the budget's name (for metrics). */
  onRefused?: (name: string) => void;
};

/**
 * What this process knows of one budget in the current window: units spent (Redis's count plus
 * local units not yet in it), units it has sent to Redis, whether another process spends from
 * it too, and the window's end.
 */
type Known = { spent: number; pending: number; sent: number; shared: boolean; until: number };
type Waiter = { resolve: (s: BudgetState) => void; reject: (e: unknown) => void };
type Take = { cost: number; waiter?: Waiter };
type Batch = { name: string; known: Known; budget: Budget; takes: Take[] };
type TakeCommand = (key: string, windowMs: number, cost: number) => Promise<[number, number]>;

const SWEEP_EVERY_MS = 10_000;

export function createFloodLimiter(redis: Redis, key: KeySpace, options: FloodLimiterOptions = {}): FloodLimiter {
  const { syncMs = 100, refusalDelayMs = 1000, maxHeldPerName = 32, maxHeld = 1000, onRefused } = options;
  if (!('parleyFloodTake' in redis)) redis.defineCommand('parleyFloodTake', { numberOfKeys: 1, lua: TAKE });
  const command = (redis as unknown as { parleyFloodTake: TakeCommand }).parleyFloodTake.bind(redis);
  const known = new Map<string, Known>();
  let batches = new Map<string, Batch>();
  // A take that waits for Redis is sent in the next turn; those decided here, within syncMs.
  let soon: NodeJS.Immediate | undefined;
  let later: NodeJS.Timeout | undefined;
  let nextSweep = Date.now() + SWEEP_EVERY_MS;
  const heldByName = new Map<string, number>();
  let held = 0;

  const retryAfter = (k: Known, now: number) => Math.max(1, Math.ceil((k.until - now) / 1000));

  function refuse(name: string, redisKey: string, k: Known): Promise<BudgetState> {
    onRefused?.(name);
    const mine = heldByName.get(redisKey) ?? 0;
    const delay = Math.min(refusalDelayMs, k.until - Date.now());
    if (delay <= 0 || mine >= maxHeldPerName || held >= maxHeld) {
      return Promise.resolve({ allowed: false, retryAfterSeconds: retryAfter(k, Date.now()) });
    }
    heldByName.set(redisKey, mine + 1);
    held += 1;
    return new Promise(
      (resolve) =>
        setTimeout(() => {
          const left = (heldByName.get(redisKey) ?? 1) - 1;
          if (left > 0) heldByName.set(redisKey, left);
          else heldByName.delete(redisKey);
          held -= 1;
          resolve({ allowed: false, retryAfterSeconds: retryAfter(k, Date.now()) });
        }, delay).unref(), // a held refusal must not keep a stopping process alive
    );
  }

  // Takes of one budget gathered until then share one script call.
  function flush() {
    if (soon) clearImmediate(soon);
    if (later) clearTimeout(later);
    soon = later = undefined;
    const current = batches;
    batches = new Map();
    for (const [redisKey, { name, known: k, budget, takes }] of current) {
      const total = takes.reduce((sum, t) => sum + t.cost, 0);
      command(redisKey, budget.windowMs, total).then(
        ([count, ttl]) => {
          k.pending -= total;
          k.sent += total;
          if (count > k.sent) k.shared = true;
          k.spent = count + k.pending;
          k.until = Date.now() + ttl;
          let before = count - total;
          for (const t of takes) {
            before += t.cost;
            if (!t.waiter) continue;
            if (before <= budget.max) t.waiter.resolve({ allowed: true, retryAfterSeconds: 0 });
            else refuse(name, redisKey, k).then(t.waiter.resolve);
          }
        },
        (err) => {
          k.pending -= total;
          for (const t of takes) t.waiter?.reject(err);
        },
      );
    }
    sweep();
  }

  function sweep() {
    const now = Date.now();
    if (now < nextSweep) return;
    nextSweep = now + SWEEP_EVERY_MS;
    for (const [redisKey, k] of known) if (k.until <= now && k.pending === 0) known.delete(redisKey);
  }

  return {
    take(name, budget, cost = 1) {
      const redisKey = key('fl', name);
      const now = Date.now();
      let k = known.get(redisKey);
      if (k && k.until <= now && k.pending === 0) k = undefined;
      if (!k) {
        k = { spent: 0, pending: 0, sent: 0, shared: false, until: now + budget.windowMs };
        known.set(redisKey, k);
      }
      const inWindow = now < k.until;
      if (inWindow && k.spent >= budget.max) return refuse(name, redisKey, k);
      const fast = inWindow && !k.shared && k.spent + cost <= budget.max / 2;
      k.spent += cost;
      k.pending += cost;
      let batch = batches.get(redisKey);
      if (!batch) {
        batch = { name, known: k, budget, takes: [] };
        batches.set(redisKey, batch);
      }
      if (fast) {
        batch.takes.push({ cost });
        if (!later && !soon) {
          later = setTimeout(flush, syncMs);
          later.unref();
        }
        return Promise.resolve({ allowed: true, retryAfterSeconds: 0 });
      }
      soon ??= setImmediate(flush);
      return new Promise<BudgetState>((resolve, reject) => batch.takes.push({ cost, waiter: { resolve, reject } }));
    },
  };
}
