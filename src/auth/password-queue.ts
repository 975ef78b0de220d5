import { ApiError } from '../http/errors.js';
import { hashPassword, verifyPassword } from './password.js';

/**
 * Every argon2 hash and verification of the process (login, signup, room
 * passwords) goes through here. Each costs 19 MiB and tens of milliseconds
 * of a core, so without a bound a burst of guesses multiplied that work and
 * everyone's login or join waited behind it. At most `concurrency` run at
 * once; the rest wait in lanes (one per client address or user), served in
 * turn, so one busy lane delays another lane's request by a few hashes at
 * most, however many it queued. A lane holding `perLane` waiting requests,
 * or a process holding `maxQueued`, refuses more at once instead of letting
 * the wait grow without end.
 */

export type PasswordWork = {
  hash(password: string, lane: string): Promise<string>;
  verify(passwordHash: string, password: string, lane: string): Promise<boolean>;
  /** Requests waiting for a turn, for tests and metrics. */
  readonly waiting: number;
};

export type PasswordWorkOptions = { concurrency: number; perLane?: number; maxQueued?: number };

type Job = () => void;

export function createPasswordWork({ concurrency, perLane = 16, maxQueued = 128 }: PasswordWorkOptions): PasswordWork {
  // Map order is the turn order: a lane that is served moves to the back.
  const lanes = new Map<string, Job[]>();
  let running = 0;
  let waiting = 0;

  function next() {
    while (running < concurrency) {
      const first = lanes.entries().next();
      if (first.done) return;
      const [lane, jobs] = first.value;
      lanes.delete(lane);
      const job = jobs.shift()!;
      if (jobs.length > 0) lanes.set(lane, jobs);
      waiting -= 1;
      job();
    }
  }

  function run<T>(lane: string, work: () => Promise<T>): Promise<T> {
    const jobs = lanes.get(lane) ?? [];
    if (jobs.length >= perLane) {
      throw new ApiError(429, 'too_many_attempts', 'Too many password checks at once; try again in a moment.', { 'Retry-After': '1' });
    }
    if (waiting >= maxQueued) {
      throw new ApiError(503, 'unavailable', 'The server is busy checking passwords; try again in a moment.', { 'Retry-After': '1' });
    }
    return new Promise<T>((resolve, reject) => {
      jobs.push(() => {
        running += 1;
        work()
          .then(resolve, reject)
          .finally(() => {
            running -= 1;
            next();
          });
      });
      if (!lanes.has(lane)) lanes.set(lane, jobs);
      waiting += 1;
      next();
    });
  }

  return {
    hash: (password, lane) => run(lane, () => hashPassword(password)),
    verify: (passwordHash, password, lane) => run(lane, () => verifyPassword(passwordHash, password)),
    get waiting() {
      return waiting;
    },
  };
}
