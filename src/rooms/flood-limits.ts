import type { Budget, FloodLimiter } from '../auth/flood-limit.js';
import type { Config } from '../config/config.js';
import { ApiError } from '../http/errors.js';

/**
 * The per-user budgets of a room's frequent requests, sized so that a
 * 16-person call never meets them: joining one means an offer or answer and
 * some 10-20 ICE candidates for each of 15 peers, about 330 signals, and a
 * network change can repeat that. Anything well beyond is a flood, which
 * would otherwise cost every member of the room (and of the process) time.
 */
export type RoomBudgets = { signal: Budget; state: Budget; join: Budget };

export function roomBudgets(limits: Config['rooms']['limits']): RoomBudgets {
  return {
    signal: { max: limits.signal, windowMs: 10_000 },
    state: { max: limits.state, windowMs: 10_000 },
    join: { max: limits.join, windowMs: 60_000 },
  };
}

/**
 * What one signal request costs: one unit, plus one for each full KiB of body,
 * so that large bodies (which cost the stream, Redis and every reader more)
 * use up the budget sooner: a user moves at most about 1 MB of signals per
 * window, while a call's candidates (a few hundred bytes) cost one unit and
 * its offers and answers (a few KiB) a handful. Read from Content-Length,
 * before the body is parsed, so a refused flood costs no parsing; a body
 * without a length is charged as the largest allowed.
 */
export function signalCost(contentLength: string | undefined, maxBytes: number): number {
  const n = Number(contentLength);
  const bytes = contentLength !== undefined && Number.isInteger(n) && n >= 0 ? Math.min(n, maxBytes) : maxBytes;
  return 1 + Math.floor(bytes / 1024);
}

export async function spend(limiter: FloodLimiter, name: string, budget: Budget, what: string, cost = 1): Promise<void> {
  const state = await limiter.take(name, budget, cost);
  if (!state.allowed) {
    throw new ApiError(429, 'rate_limited', `Too many ${what}; try again in ${state.retryAfterSeconds} s.`, {
      'Retry-After': String(state.retryAfterSeconds),
    });
  }
}
