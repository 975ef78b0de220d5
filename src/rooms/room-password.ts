import type { PasswordWork } from '../auth/password-queue.js';
import type { Limit, RateLimiter } from '../auth/rate-limit.js';
import { ApiError } from '../http/errors.js';

// Wrong passwords per user and room: the right one clears this count.
const PER_ROOM: Limit = { max: 10, windowSeconds: 600 };
// Every attempt per user, and per client address, across all rooms: a limit per room alone let
// guesses spread over many locked rooms multiply the hashing. Not cleared by a right password,
// or one known password would reset the count for guesses at the others.
const PER_USER: Limit = { max: 20, windowSeconds: 600 };
const PER_ADDRESS: Limit = { max: 60, windowSeconds: 600 };

const tooMany = (retryAfterSeconds: number) =>
  new ApiError(429, 'too_many_attempts', 'Too many password attempts; try again later.', {
    'Retry-After': String(retryAfterSeconds),
  });

/**
 * Checks a locked room's password for a join, or throws 429 / 403.
 * Each attempt is counted before the password is checked, in one atomic step
 * per limit: with a check first and a count after the (slow) hash, concurrent
 * guesses would all pass the check. The cheap Redis counts come before any hashing.
 */
export async function checkRoomPassword(
  deps: { limiter: RateLimiter; passwords: PasswordWork },
  attempt: { userId: number; clientIp: string; room: string; passwordHash: string; password: string | undefined },
): Promise<void> {
  const roomKey = `rooms:join:${attempt.userId}:${attempt.room}`;
  for (const [name, limit] of [
    [roomKey, PER_ROOM],
    [`rooms:password:user:${attempt.userId}`, PER_USER],
    [`rooms:password:ip:${attempt.clientIp}`, PER_ADDRESS],
  ] as const) {
    const state = await deps.limiter.hit(name, limit);
    if (!state.allowed) throw tooMany(state.retryAfterSeconds);
  }
  const valid = !!attempt.password && (await deps.passwords.verify(attempt.passwordHash, attempt.password, `user:${attempt.userId}`));
  if (!valid) throw new ApiError(403, 'wrong_password', 'That is not the room’s password.');
  await deps.limiter.reset(roomKey);
}
