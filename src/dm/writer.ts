import type { Pool } from 'mysql2/promise';
import { writeMessages, type NewMessage, type WriteOutcome } from './store.js';

/**
 * Group commit for direct messages. Messages that arrive while a batch is
 * being written wait and go together in the next one: one transaction, a
 * handful of statements, however many messages. Under light load a batch is
 * a single message and nothing waits; under heavy load the number of
 * database round trips per message falls towards zero. Each caller's promise
 * settles only after the transaction holding its message has committed (or
 * failed, in which case nothing of that batch was stored).
 */

/** `at`: when the message entered the writer (performance.now()), for the commit-time metric. */
type Pending = { message: NewMessage; at: number; resolve: (o: WriteOutcome) => void; reject: (e: unknown) => void };

/** What the writer reports for metrics (src/metrics/metrics.ts). */
type WriterObserver = {
  committed(batchSize: number): void;
  /** Once per message of a committed batch: seconds from write() to the commit. */
  waited(seconds: number): void;
  failed(err: unknown): void;
};

export type MessageWriter = {
  write(message: NewMessage): Promise<WriteOutcome>;
  /** Resolves when nothing is queued or being written. */
  drain(): Promise<void>;
  readonly stats: { batches: number; messages: number };
};

export function createMessageWriter(pool: Pool, options: { maxBatch?: number; maxInFlight?: number; observe?: WriterObserver } = {}): MessageWriter {
  const { observe } = options;
  const maxBatch = options.maxBatch ?? 1000;
  const maxInFlight = options.maxInFlight ?? 1;
  let queue: Pending[] = [];
  let inFlight = 0;
  let idle: Array<() => void> = [];
  const stats = { batches: 0, messages: 0 };

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight += 1;
      stats.batches += 1;
      stats.messages += batch.length;
      writeMessages(
        pool,
        batch.map((p) => p.message),
      )
        .then(
          (outcomes) => {
            if (observe) {
              const now = performance.now();
              observe.committed(batch.length);
              for (const p of batch) observe.waited((now - p.at) / 1000);
            }
            for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
          },
          (err) => {
            observe?.failed(err);
            for (const p of batch) p.reject(err);
          },
        )
        .finally(() => {
          inFlight -= 1;
          pump();
          if (inFlight === 0 && queue.length === 0) {
            const waiting = idle;
            idle = [];
            for (const w of waiting) w();
          }
        });
    }
  }

  return {
    write(message) {
      return new Promise<WriteOutcome>((resolve, reject) => {
        queue.push({ message, at: performance.now(), resolve, reject });
        // Let every message that arrives in this tick join the same batch.
        if (queue.length === 1) setImmediate(pump);
        else if (queue.length >= maxBatch) pump();
      });
    },
    drain() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    stats,
  };
}
