import { Hono } from 'hono';
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError, invalidInput } from '../http/errors.js';
import type { Presence } from '../presence/presence.js';
import { usernameSchema } from '../users/validation.js';
import type { BlockCache } from './block-cache.js';
import { toWireMessage } from './service.js';
import { block, blockedBy, conversationsOf, messagesBetween, readMarkers, unblock } from './store.js';
import type { UserDirectory } from './user-directory.js';

const CONVERSATION_LIMIT = 100;
const MAX_ID = Number.MAX_SAFE_INTEGER;

const pageSchema = z.object({
  before: z.coerce.number({ error: 'before must be a message id' }).int().positive().max(MAX_ID).optional(),
  limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1, 'limit must be 1-100').max(100, 'limit must be 1-100').default(50),
});

type DmRoutesDeps = { pool: Pool; presence: Presence; directory: UserDirectory };

/** The other user named in the path: 400 for a malformed name, 404 `unknown_user` for a missing one. */
async function otherUser(directory: UserDirectory, raw: string, meId: number) {
  const parsed = usernameSchema.safeParse(raw);
  if (!parsed.success) throw invalidInput('not a username');
  const other = await directory.byUsername(parsed.data);
  if (!other) throw new ApiError(404, 'unknown_user', 'No user has that name.');
  if (other.id === meId) throw invalidInput('that is you');
  return other;
}

/** Conversations and history: `/api/dm/*`. */
export function dmRoutes({ pool, presence, directory, blocks }: DmRoutesDeps & { blocks: BlockCache }) {
  return new Hono<AuthedEnv>()
    .get('/conversations', async (c) => {
      const me = c.var.user;
      const rows = await conversationsOf(pool, me.id, CONVERSATION_LIMIT);
      const online = await presence.online(rows.map((r) => r.otherId)).catch(() => new Set<number>());
      return c.json({
        conversations: rows.map((r) => {
          const fromMe = r.lastMessage.senderId === me.id;
          return {
            // `deleted` only when true: a display name of "Deleted user" proves nothing, anyone can pick it.
            with: { username: r.username, displayName: r.displayName, online: online.has(r.otherId), ...(r.deleted ? { deleted: true } : {}) },
            lastMessage: toWireMessage(r.lastMessage, fromMe ? me.username : r.username, fromMe ? r.username : me.username),
            unread: r.unread,
          };
        }),
      });
    })
    .get('/:username/messages', async (c) => {
      const me = c.var.user;
      const other = await otherUser(directory, c.req.param('username'), me.id);
      const page = pageSchema.safeParse({ before: c.req.query('before'), limit: c.req.query('limit') });
      if (!page.success) throw invalidInput(page.error.issues[0]?.message ?? 'bad paging');
      const { before = MAX_ID, limit } = page.data;
      // One more than asked tells whether an older page exists.
      const [rows, markers, blocked] = await Promise.all([
        messagesBetween(pool, me.id, other.id, before, limit + 1),
        readMarkers(pool, me.id, other.id),
        blocks.isBlocked(me.id, other.id),
      ]);
      const hasMore = rows.length > limit;
      const messages = rows
        .slice(0, limit)
        .reverse()
        .map((m) => (m.senderId === me.id ? toWireMessage(m, me.username, other.username) : toWireMessage(m, other.username, me.username)));
      // The markers are the conversation's, whatever page this is: "Seen" survives a reload.
      // Someone you blocked reaches you with nothing, their reading included (as with dm:read).
      return c.json({ messages, hasMore, theirReadUpTo: blocked ? null : markers.theirs, myReadUpTo: markers.mine });
    });
}

/** Blocking: `/api/users/:username/block`. Every process forgets what it cached about the pair. */
export function blockRoutes({ pool, directory, blocks }: Pick<DmRoutesDeps, 'pool' | 'directory'> & { blocks: BlockCache }) {
  return new Hono<AuthedEnv>()
    .get('/blocked', async (c) => c.json({ users: await blockedBy(pool, c.var.user.id) }))
    .post('/:username/block', async (c) => {
      const other = await otherUser(directory, c.req.param('username'), c.var.user.id);
      await block(pool, c.var.user.id, other.id);
      await blocks.changed(c.var.user.id, other.id);
      return c.body(null, 204);
    })
    .delete('/:username/block', async (c) => {
      const other = await otherUser(directory, c.req.param('username'), c.var.user.id);
      await unblock(pool, c.var.user.id, other.id);
      await blocks.changed(c.var.user.id, other.id);
      return c.body(null, 204);
    });
}
