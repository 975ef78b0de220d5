import { ApiError } from '../http/errors.js';
import { hashPassword, verifyPassword } from './password.js';

/**
 * Every argon2 hash and verification of the process (login, signup, room
 * passwords) goes through here. Each costs 19 MiB and tens of milliseconds
 * of a core, so without a bound a burst of guesses multiplied that work and
 * everyone's login or join waited behind it. At most `concurrency` run at
 * once; the rest wait in lanes (one per client address or user), served in
 * turn, so one busy lane delays another lane's request by the hashes already
 * running at most, however many it queued. A lane holding `perLane` waiting
 * requests, or a process holding `maxQueued`, refuses more at once instead of
 * letting the wait grow without end.
 */

export type PasswordWork = {
  hash(password: string, lane: string): Promise<string>;
  verify(passwordHash: string, password: string, lane: string): Promise<boolean>;
  /** Requests waiting for a turn, for tests and metrics. */
  readonly waiting: number;
};

/** `onRefused` hears of each 429 of a full lane (for metrics). */
type PasswordWorkOptions = { concurrency: number; perLane?: number; maxQueued?: number; onRefused?: (name: string) => void };

type Job = () => void;
type Lane = { jobs: Job[]; running: number; lastServed: number };

export function createPasswordWork({ concurrency, perLane = 16, maxQueued = 128, onRefused }: PasswordWorkOptions): PasswordWork {
  const lanes = new Map<string, Lane>();
  let running = 0;
  let waiting = 0;
  let turn = 0;

  // The next job comes from the waiting lane served longest ago (a new lane first), so a lane
  // that just had a turn waits behind every other lane with work.
  function next() {
    while (running < concurrency) {
      let pick: Lane | undefined;
      for (const lane of lanes.values()) {
        if (lane.jobs.length > 0 && (!pick || lane.lastServed < pick.lastServed)) pick = lane;
      }
      if (!pick) return;
      pick.lastServed = ++turn;
      waiting -= 1;
      pick.jobs.shift()!();
    }
  }

  function run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const lane = lanes.get(name) ?? { jobs: [], running: 0, lastServed: 0 };
    if (lane.jobs.length >= perLane) {
      onRefused?.('password-queue');
      throw new ApiError(429, 'too_many_attempts', 'Too many password checks at once; try again in a moment.', { 'Retry-After': '1' });
    }
    if (waiting >= maxQueued) {
      throw new ApiError(503, 'unavailable', 'The server is busy checking passwords; try again in a moment.', { 'Retry-After': '1' });
    }
    lanes.set(name, lane);
    return new Promise<T>((resolve, reject) => {
      lane.jobs.push(() => {
        running += 1;
        lane.running += 1;
        work()
          .then(resolve, reject)
          .finally(() => {
            running -= 1;
            lane.running -= 1;
            if (lane.running === 0 && lane.jobs.length === 0) lanes.delete(name);
            next();
          });
      });
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
