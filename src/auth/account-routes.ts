import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { Db } from '../db/client.js';
import { users } from '../db/schema.js';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError, unauthenticated } from '../http/errors.js';
import { readJson } from '../http/read-json.js';
import type { Logger } from '../logging/logger.js';
import type { RoomState } from '../rooms/live-state.js';
import type { Lobby } from '../rooms/lobby.js';
import { findUserById } from '../users/store.js';
import { newPasswordSchema } from '../users/validation.js';
import { clearSessionCookie } from './cookie.js';
import { deleteAccount } from './delete-account.js';
import type { EndSession } from './end-session.js';
import type { PasswordWork } from './password-queue.js';
import type { RateLimiter } from './rate-limit.js';
import { tooManyAttempts } from './routes.js';
import type { SessionCache } from './session-cache.js';
import { deleteUserSessions, listUserSessions } from './session.js';

// As at login: bounded so nobody makes the server hash megabytes.
const currentPassword = z.string({ error: 'password must be a string' }).min(1, 'password is required').max(1024, 'password is too long');
const changePasswordSchema = z.object({ current: currentPassword, next: newPasswordSchema });
const deleteAccountSchema = z.object({ password: currentPassword });
const publicIdSchema = z.string().regex(/^[0-9a-f]{32}$/);

type AccountRoutesDeps = {
  db: Db;
  limiter: RateLimiter;
  passwords: PasswordWork;
  sessionCache: SessionCache;
  /** Ends a session that was deleted from the table everywhere: caches, sockets, streams, room members. */
  endSession: EndSession;
  rooms: Pick<RoomState, 'close'>;
  lobby: Pick<Lobby, 'roomDeleted'>;
  logger: Logger;
  config: Pick<Config, 'secure' | 'loginLimits'>;
};

/** `/api/me/*` beyond the profile: password, sessions, deleting the account. Behind `requireUser`. */
export function accountRoutes(deps: AccountRoutesDeps) {
  const { db, limiter, config } = deps;
  const guessLimit = { max: config.loginLimits.perUsername, windowSeconds: config.loginLimits.windowSeconds };

  /**
   * Checks the account's password. Each check is counted per user before any hashing, as
   * login counts per name, so a stolen session cannot be used to guess the password at
   * argon2's pace without limit; a right answer clears the count.
   */
  async function checkPassword(userId: number, password: string, clientIp: string) {
    const key = `password:user:${userId}`;
    const state = await limiter.hit(key, guessLimit);
    if (!state.allowed) throw tooManyAttempts(state.retryAfterSeconds);
    const row = await findUserById(db, userId);
    if (!row || row.deletedAt) throw unauthenticated();
    if (!(await deps.passwords.verify(row.passwordHash, password, `ip:${clientIp}`))) {
      throw new ApiError(401, 'invalid_credentials', 'That is not your current password.');
    }
    await limiter.reset(key);
  }

  async function endAll(userId: number, ids: string[]) {
    for (const id of ids) await deps.endSession({ id, userId });
  }

  return new Hono<AuthedEnv>()
    .post('/password', async (c) => {
      const input = await readJson(c, changePasswordSchema);
      const me = c.var.user;
      await checkPassword(me.id, input.current, c.var.clientIp);
      const passwordHash = await deps.passwords.hash(input.next, `ip:${c.var.clientIp}`);
      await db.update(users).set({ passwordHash }).where(eq(users.id, me.id));
      // Whoever else held a session (perhaps the reason for the change) is out, everywhere.
      await endAll(me.id, await deleteUserSessions(db, me.id, { keep: c.var.session.id }));
      return c.body(null, 204);
    })
    .get('/sessions', async (c) => {
      const current = c.var.session.id;
      const list = await listUserSessions(db, c.var.user.id);
      return c.json({
        sessions: list.map((s) => ({
          id: s.publicId,
          current: s.id === current,
          createdAt: s.createdAt.toISOString(),
          lastUsedAt: (s.lastUsedAt ?? s.createdAt).toISOString(),
          userAgent: s.userAgent,
        })),
      });
    })
    .delete('/sessions/:id', async (c) => {
      const parsed = publicIdSchema.safeParse(c.req.param('id'));
      const ended = parsed.success ? await deleteUserSessions(db, c.var.user.id, { publicId: parsed.data }) : [];
      // Someone else's session answers as a missing one: ids say nothing about other accounts.
      if (ended.length === 0) throw new ApiError(404, 'session_not_found', 'You have no session with that id.');
      await endAll(c.var.user.id, ended);
      if (ended.includes(c.var.session.id)) clearSessionCookie(c, config);
      return c.body(null, 204);
    })
    .delete('/sessions', async (c) => {
      await endAll(c.var.user.id, await deleteUserSessions(db, c.var.user.id, { keep: c.var.session.id }));
      return c.body(null, 204);
    })
    .delete('/', async (c) => {
      const input = await readJson(c, deleteAccountSchema);
      const me = c.var.user;
      await checkPassword(me.id, input.password, c.var.clientIp);
      await deleteAccount({ db, rooms: deps.rooms, lobby: deps.lobby, endSession: deps.endSession, sessionCache: deps.sessionCache }, me.id);
      clearSessionCookie(c, config);
      return c.body(null, 204);
    });
}
