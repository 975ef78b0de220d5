import { SseClient, type SseEvent } from './sse-client.js';

/**
 * A room event stream followed the way a browser's EventSource follows it:
 * when the connection ends it waits the server's `retry` (2 s) and
 * reconnects with `Last-Event-ID`, for as long as the stream is followed.
 * A 403 (the server no longer knows the peer) stops it, as the web client
 * then joins again. All events of all connections are kept in order.
 */
export type FollowedStream = {
  readonly events: SseEvent[];
  /** Times (ms since the epoch) at which a reconnection got its 200. */
  readonly reconnectedAt: number[];
  /** The status that stopped it (e.g. 403), or 0 while it is followed. */
  readonly stoppedWith: number;
  /** The first event matching `match` among all connections' events, waiting for it if need be. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  stop(): void;
};

export async function followStream(url: () => string, headers: () => Record<string, string>, retryMs = 2000): Promise<FollowedStream> {
  const events: SseEvent[] = [];
  const reconnectedAt: number[] = [];
  let stoppedWith = 0;
  let stopped = false;
  let current: SseClient | undefined;
  let waiters: Array<() => void> = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  async function connectOnce(first: boolean): Promise<void> {
    const lastId = events.at(-1)?.id;
    const sse = new SseClient(url(), { ...headers(), accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) });
    current = sse;
    let status = 0;
    try {
      status = await sse.open();
    } catch {
      status = 0;
    }
    if (status === 200) {
      if (!first) reconnectedAt.push(Date.now());
      // Copy this connection's events as they come, until it ends.
      void (async () => {
        for (;;) {
          try {
            const e = await sse.next(() => true, 3_600_000);
            events.push(e);
            wake();
          } catch {
            break;
          }
        }
        if (!stopped) setTimeout(() => void connectOnce(false), retryMs);
      })();
      return;
    }
    if (status >= 400 && status < 500) {
      stoppedWith = status;
      wake();
      return;
    }
    // Refused or cut before the headers: try again after the retry interval.
    if (!stopped) setTimeout(() => void connectOnce(false), retryMs);
  }

  await connectOnce(true);
  return {
    events,
    reconnectedAt,
    get stoppedWith() {
      return stoppedWith;
    },
    async next(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event; got ${events.map((e) => e.event).join(', ')}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    stop() {
      stopped = true;
      current?.close();
    },
  };
}
