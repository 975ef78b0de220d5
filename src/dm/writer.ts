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

type Pending = { message: NewMessage; resolve: (o: WriteOutcome) => void; reject: (e: unknown) => void };

export type MessageWriter = {
  write(message: NewMessage): Promise<WriteOutcome>;
  /** Resolves when nothing is queued or being written. */
  drain(): Promise<void>;
  readonly stats: { batches: number; messages: number };
};

export function createMessageWriter(pool: Pool, options: { maxBatch?: number; maxInFlight?: number } = {}): MessageWriter {
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
            for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
          },
          (err) => {
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
        queue.push({ message, resolve, reject });
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
