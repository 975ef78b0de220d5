import { Hono } from 'hono';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError, invalidInput } from '../http/errors.js';
import { readJson } from '../http/read-json.js';
import type { Logger } from '../logging/logger.js';
import type { Presence } from '../presence/presence.js';
import type { SessionCache } from '../auth/session-cache.js';
import type { RoomState } from '../rooms/live-state.js';
import { searchUsers, toPublicUser, updateDisplayName } from './store.js';
import { displayNameSchema, hasInvisibleCharacters } from './validation.js';

const SEARCH_LIMIT = 50;
const patchMeSchema = z.object({ displayName: displayNameSchema });
const searchQuerySchema = z
  .string()
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  // People look for "Ann Lee" or "José" as well as "ann_lee": any visible text, as long as a
  // display name can be, so a name that can be chosen can also be found.
  .refine((s) => [...s].length >= 1 && [...s].length <= 64, 'q must be 1-64 characters')
  .refine((s) => !hasInvisibleCharacters(s), 'q must not contain control or invisible characters');

type UserRoutesDeps = {
  db: Db;
  presence: Pick<Presence, 'online'>;
  logger: Logger;
  sessionCache: SessionCache;
  /** The rooms the user is in learn the new name (member-updated). */
  rooms?: Pick<RoomState, 'updateUser'>;
};

/** `/api/me` and `/api/users`: every route here sits behind `requireUser`. */
export function userRoutes(deps: UserRoutesDeps) {
  return new Hono<AuthedEnv>()
    .get('/me', (c) => c.json({ user: toPublicUser(c.var.user) }))
    .patch('/me', async (c) => {
      const { displayName } = await readJson(c, patchMeSchema);
      const user = await updateDisplayName(deps.db, c.var.user.id, displayName);
      if (!user) throw new ApiError(401, 'unauthenticated', 'This account no longer exists.');
      await deps.sessionCache.revokeUser(user.id);
      // The name is stored; rooms that miss it show the old one until the member rejoins.
      await deps.rooms?.updateUser(user).catch((err) => deps.logger.warn({ err: { message: err.message } }, 'could not update member records'));
      return c.json({ user });
    })
    .get('/users', async (c) => {
      const parsed = searchQuerySchema.safeParse(c.req.query('q') ?? '');
      if (!parsed.success) throw invalidInput(parsed.error.issues[0]?.message ?? 'bad q');
      const found = await searchUsers(deps.db, parsed.data, SEARCH_LIMIT);
      let online = new Set<number>();
      try {
        online = await deps.presence.online(found.map((u) => u.id));
      } catch (err) {
        // Presence is decoration on search results: without Redis, show everyone offline.
        deps.logger.warn({ err: { message: (err as Error).message } }, 'presence unavailable');
      }
      return c.json({
        users: found.map((u) => ({ username: u.username, displayName: u.displayName, online: online.has(u.id) })),
      });
    });
}
