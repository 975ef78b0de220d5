import { Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { isDuplicateKeyError, type Db } from '../db/client.js';
import type { AppEnv } from '../http/app-env.js';
import { ApiError, unauthenticated } from '../http/errors.js';
import { readJson } from '../http/read-json.js';
import { findUserByUsername, insertUser, toPublicUser } from '../users/store.js';
import { displayNameSchema, newPasswordSchema, usernameSchema } from '../users/validation.js';
import { clearSessionCookie, setSessionCookie } from './cookie.js';
import type { PasswordWork } from './password-queue.js';
import type { RateLimiter } from './rate-limit.js';
import type { SessionCache } from './session-cache.js';
import { createSession, generateSessionToken, invalidateSession } from './session.js';

const signupSchema = z.object({
  username: usernameSchema,
  password: newPasswordSchema,
  displayName: displayNameSchema.optional(),
});

const loginSchema = z.object({
  username: usernameSchema,
  // Bounded so nobody can make the server hash megabytes; any length an account can have fits.
  password: z.string({ error: 'password must be a string' }).min(1, 'password is required').max(1024, 'password is too long'),
});

type AuthRoutesDeps = {
  db: Db;
  limiter: RateLimiter;
  sessionCache: SessionCache;
  /** Ends a logged-out session everywhere (cache, sockets, streams); the answer waits for it. */
  onLogout?: (session: { id: string; userId: number }) => void | Promise<void>;
  dummyHash: Promise<string>;
  passwords: PasswordWork;
  config: Pick<Config, 'secure' | 'sessionDays' | 'loginLimits' | 'signupLimits'>;
};

export function tooManyAttempts(retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'too_many_attempts', `Too many attempts; try again in ${retryAfterSeconds} s.`, {
    'Retry-After': String(retryAfterSeconds),
  });
}

/** `/api/auth/*`: signup, login and logout. */
export function authRoutes(deps: AuthRoutesDeps) {
  const { db, limiter, config } = deps;
  const loginIpLimit = { max: config.loginLimits.perIp, windowSeconds: config.loginLimits.windowSeconds };
  const loginUserLimit = { max: config.loginLimits.perUsername, windowSeconds: config.loginLimits.windowSeconds };
  const signupIpLimit = { max: config.signupLimits.perIp, windowSeconds: config.signupLimits.windowSeconds };

  async function startSession(c: Parameters<typeof setSessionCookie>[0], userId: number) {
    const token = generateSessionToken();
    const session = await createSession(db, token, userId, config.sessionDays, c.req.header('user-agent'));
    setSessionCookie(c, token, session.expiresAt, config);
  }

  return new Hono<AppEnv>()
    .post('/signup', async (c) => {
      const input = await readJson(c, signupSchema);
      // Limit account creation per address before doing any hashing work.
      const ipState = await limiter.hit(`signup:ip:${c.var.clientIp}`, signupIpLimit);
      if (!ipState.allowed) throw tooManyAttempts(ipState.retryAfterSeconds);

      const passwordHash = await deps.passwords.hash(input.password, `ip:${c.var.clientIp}`);
      let user: Awaited<ReturnType<typeof insertUser>>;
      try {
        user = await insertUser(db, {
          username: input.username,
          displayName: input.displayName ?? input.username,
          passwordHash,
        });
      } catch (err) {
        // The unique index decides, so two racing signups cannot both win.
        if (isDuplicateKeyError(err)) throw new ApiError(409, 'username_taken', 'That username is taken.');
        throw err;
      }
      await startSession(c, user.id);
      return c.json({ user }, 201);
    })
    .post('/login', async (c) => {
      const input = await readJson(c, loginSchema);
      // Cheap Redis checks come before the deliberately expensive argon2 work:
      // per address (every attempt counts) and per account (failures count).
      const ipState = await limiter.hit(`login:ip:${c.var.clientIp}`, loginIpLimit);
      if (!ipState.allowed) throw tooManyAttempts(ipState.retryAfterSeconds);
      const userKey = `login:user:${input.username}`;
      // The attempt is counted before the password is checked, in one atomic step:
      // checking the count first and adding a failure after the (slow) hash let a burst
      // of concurrent guesses all pass the check, so the limit did not hold. A correct
      // password clears the count below, so in effect only failures accumulate.
      const userState = await limiter.hit(userKey, loginUserLimit);
      if (!userState.allowed) throw tooManyAttempts(userState.retryAfterSeconds);

      const found = await findUserByUsername(db, input.username);
      // A deleted account's tombstone signs nobody in: it answers as an unknown name does.
      const row = found && !found.deletedAt ? found : undefined;
      // An unknown name is checked against a dummy hash so it costs as much
      // as a wrong password and timing does not reveal which names exist.
      const valid = await deps.passwords.verify(row?.passwordHash ?? (await deps.dummyHash), input.password, `ip:${c.var.clientIp}`);
      if (!row || !valid) {
        throw new ApiError(401, 'invalid_credentials', 'Wrong username or password.');
      }
      await limiter.reset(userKey);
      await startSession(c, row.id);
      return c.json({ user: toPublicUser(row) });
    })
    .post('/logout', async (c) => {
      const session = c.var.session;
      if (!session) throw unauthenticated();
      await invalidateSession(db, session.id);
      // onLogout (src/app.ts endSession) announces the revocation along with the rest.
      if (deps.onLogout) await deps.onLogout({ id: session.id, userId: session.userId });
      else await deps.sessionCache.revokeSession(session.id);
      clearSessionCookie(c, config);
      return c.body(null, 204);
    });
}
