/**
 * A ceiling on what one socket may emit, whatever the events, far above what
 * the per-user limits let through: a socket over it is flooding, and even
 * events that are only dropped cost the server their decoding. Such a socket
 * is disconnected, and its user's handshakes on this process are refused
 * until the window has passed, so that reconnecting at once does not buy a
 * new allowance. Counted per process, in memory: nothing here asks Redis.
 */
type SocketBudget = {
  /** Counts one event on `socketId`; false once the socket is over its ceiling. */
  take(socketId: string, userId: number): boolean;
  forget(socketId: string): void;
  /** Seconds until `userId` may connect again here, or 0. */
  coolingDown(userId: number): number;
};

export function createSocketBudget(options: { maxEvents: number; windowMs: number }): SocketBudget {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const cooling = new Map<number, number>();

  return {
    take(socketId, userId) {
      const now = Date.now();
      let w = windows.get(socketId);
      if (!w || w.endsAt <= now) {
        w = { count: 0, endsAt: now + options.windowMs };
        windows.set(socketId, w);
      }
      w.count += 1;
      if (w.count <= options.maxEvents) return true;
      if (cooling.size >= 10_000) for (const [id, until] of cooling) if (until <= now) cooling.delete(id);
      cooling.set(userId, now + options.windowMs);
      return false;
    },
    forget(socketId) {
      windows.delete(socketId);
    },
    coolingDown(userId) {
      const until = cooling.get(userId);
      if (until === undefined) return 0;
      const left = until - Date.now();
      if (left > 0) return Math.ceil(left / 1000);
      cooling.delete(userId);
      return 0;
    },
  };
}
