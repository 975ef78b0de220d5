import type { Logger } from '../logging/logger.js';
import type { Redis } from '../redis/client.js';
import type { SessionValidation } from './session.js';

/**
 * A short-lived, per-process cache of validated sessions, so that the
 * requests of a busy call (signals, candidates, chat) do not each cost a
 * MySQL round trip. Correctness does not rest on the time limit alone: a
 * logout or a change to a user is announced on a Redis channel and every
 * process drops the affected entries at once. If that announcement is lost
 * (Redis restarting), an entry still lives at most `ttlMs`.
 */

type Entry = { value: SessionValidation; until: number };

/**
 * How long a revoked session (or a changed user) is refused a place in the
 * cache. A validation that read MySQL just before a logout may finish just
 * after the logout's announcement arrived; without this it would cache the
 * dead session for a full `ttlMs`. Any read still in flight after this long
 * has long failed (queries wait at most a few seconds for a connection).
 */
const TOMBSTONE_MS = 30_000;

export type SessionCache = ReturnType<typeof createSessionCache>;

export function createSessionCache(deps: { publisher: Redis; channel: string; ttlMs: number; maxEntries?: number; logger: Logger }) {
  const { publisher, channel, ttlMs, logger } = deps;
  const maxEntries = deps.maxEntries ?? 50_000;
  const entries = new Map<string, Entry>();
  const byUser = new Map<number, Set<string>>();
  // `s:<session id>` / `u:<user id>` → until when nothing of it may be cached.
  const tombstones = new Map<string, number>();

  function bury(key: string) {
    const now = Date.now();
    if (tombstones.size >= 10_000) for (const [k, until] of tombstones) if (until <= now) tombstones.delete(k);
    tombstones.set(key, now + TOMBSTONE_MS);
  }

  function buried(key: string): boolean {
    const until = tombstones.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    tombstones.delete(key);
    return false;
  }

  function drop(sessionId: string) {
    const entry = entries.get(sessionId);
    if (!entry) return;
    entries.delete(sessionId);
    const sessions = byUser.get(entry.value.user.id);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) byUser.delete(entry.value.user.id);
  }

  function dropUser(userId: number) {
    for (const sessionId of [...(byUser.get(userId) ?? [])]) drop(sessionId);
  }

  async function announce(message: string) {
    try {
      await publisher.publish(channel, message);
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'could not announce a session change; other processes catch up within the cache time');
    }
  }

  return {
    channel,

    get(sessionId: string): SessionValidation | undefined {
      const entry = entries.get(sessionId);
      if (!entry) return undefined;
      const now = Date.now();
      if (now >= entry.until || now >= entry.value.session.expiresAt.getTime()) {
        drop(sessionId);
        return undefined;
      }
      return entry.value;
    },

    set(sessionId: string, value: SessionValidation) {
      if (ttlMs <= 0) return;
      // Read before a logout or a change to the user that has since been announced: not cached.
      if (buried(`s:${sessionId}`) || buried(`u:${value.user.id}`)) return;
      if (entries.size >= maxEntries) drop(entries.keys().next().value!);
      drop(sessionId);
      entries.set(sessionId, { value: { ...value, renewed: false }, until: Date.now() + ttlMs });
      let sessions = byUser.get(value.user.id);
      if (!sessions) {
        sessions = new Set();
        byUser.set(value.user.id, sessions);
      }
      sessions.add(sessionId);
    },

    /** After a logout: forget the session here and tell every other process. */
    async revokeSession(sessionId: string) {
      bury(`s:${sessionId}`);
      drop(sessionId);
      await announce(`s:${sessionId}`);
    },

    /** After a change to the user (display name): every process re-reads it. */
    async revokeUser(userId: number) {
      bury(`u:${userId}`);
      dropUser(userId);
      await announce(`u:${userId}`);
    },

    /** Applies an announcement received on `channel`; malformed ones are ignored. */
    apply(message: string) {
      if (message.startsWith('s:')) {
        bury(message);
        drop(message.slice(2));
      } else if (message.startsWith('u:')) {
        const userId = Number(message.slice(2));
        if (Number.isSafeInteger(userId)) {
          bury(`u:${userId}`);
          dropUser(userId);
        }
      }
    },

    get size() {
      return entries.size;
    },
  };
}
