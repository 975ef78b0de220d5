import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { Db } from '../db/client.js';
import { roomMessages } from '../db/schema.js';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError } from '../http/errors.js';
import { readJson } from '../http/read-json.js';
import { peerIdSchema } from './protocol.js';
import type { RoomState } from './live-state.js';
import { toPublicUser } from '../users/store.js';
import { requireRoom } from './routes.js';
import { insertChatMessage, lastChatMessages } from './store.js';

const CHAT_HISTORY = 100;
const CHAT_LIMIT = { max: 20, windowSeconds: 10 };

const postSchema = z.object({
  from: peerIdSchema,
  body: z
    .string({ error: 'body must be a string' })
    .transform((s) => s.trim())
    .refine((s) => [...s].length >= 1 && [...s].length <= 4000, 'body must be 1-4000 characters after trimming'),
});

const notAMember = () => new ApiError(403, 'not_a_member', 'Join the room first.');

/** Room chat: `/api/rooms/:name/messages`, members only. */
export function chatRoutes({ db, state, limiter }: { db: Db; state: RoomState; limiter: RateLimiter }) {
  return new Hono<AuthedEnv>()
    .post('/:name/messages', async (c) => {
      const room = await requireRoom(db, c.req.param('name'));
      const { from, body } = await readJson(c, postSchema);
      if (!(await state.holds(room.name, from, c.var.session.id))) throw notAMember();
      const limit = await limiter.hit(`chat:${c.var.user.id}`, CHAT_LIMIT);
      if (!limit.allowed) {
        throw new ApiError(429, 'rate_limited', 'You are sending messages too fast.', {
          'Retry-After': String(limit.retryAfterSeconds),
        });
      }
      const message = await insertChatMessage(db, { roomId: room.id, user: toPublicUser(c.var.user), peerId: from, body });
      const published = await state.publishChat(room.name, from, c.var.session.id, { message }).catch(async (err) => {
        await db.delete(roomMessages).where(eq(roomMessages.id, message.id));
        throw err;
      });
      if (published !== 'ok') {
        // The member left between the check and the publish: keep nothing half-done.
        await db.delete(roomMessages).where(eq(roomMessages.id, message.id));
        throw notAMember();
      }
      return c.json({ message }, 201);
    })
    .get('/:name/messages', async (c) => {
      const room = await requireRoom(db, c.req.param('name'));
      if (!(await state.holdsAny(room.name, c.var.session.id))) throw notAMember();
      return c.json({ messages: await lastChatMessages(db, room.id, CHAT_HISTORY) });
    });
}
