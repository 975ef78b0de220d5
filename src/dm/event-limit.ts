import type { RateLimiter } from '../auth/rate-limit.js';

/**
 * A per-user limit on a socket event, counted across processes in Redis, with
 * an in-process window in front of it. A user over the limit in this process
 * is over it everywhere, so the local window refuses without asking Redis:
 * a flood costs each process at most `max` Redis calls per user and window,
 * however many events arrive, and nothing else (no MySQL, no fan-out).
 */
type EventLimit = {
  /** Counts one event of `userId`; false when it is over the limit. */
  take(userId: number): Promise<boolean>;
};

/** `onRefused` hears of the refusals decided here, without the limiter (whose own refusals it reports itself). */
export function createEventLimit(
  limiter: RateLimiter,
  name: string,
  limit: { max: number; windowSeconds: number },
  options: { maxUsers?: number; onRefused?: (name: string) => void } = {},
): EventLimit {
  const { maxUsers = 100_000, onRefused } = options;
  const windowMs = limit.windowSeconds * 1000;
  const local = new Map<number, { count: number; endsAt: number }>();

  function takeLocally(userId: number, now: number): boolean {
    let entry = local.get(userId);
    if (!entry || entry.endsAt <= now) {
      // Bounded memory without a timer: a full map first forgets every window that ended.
      if (!entry && local.size >= maxUsers) {
        for (const [id, e] of local) if (e.endsAt <= now) local.delete(id);
        if (local.size >= maxUsers) local.delete(local.keys().next().value!);
      }
      entry = { count: 0, endsAt: now + windowMs };
      local.set(userId, entry);
    }
    entry.count += 1;
    return entry.count <= limit.max;
  }

  return {
    async take(userId) {
      if (!takeLocally(userId, Date.now())) {
        onRefused?.(name);
        return false;
      }
      const state = await limiter.hit(`${name}:${userId}`, limit);
      return state.allowed;
    },
  };
}
