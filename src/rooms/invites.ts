import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { Hono } from 'hono';
import { z } from 'zod';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { Db } from '../db/client.js';
import type { BlockCache } from '../dm/block-cache.js';
import { toWireMessage, userRoom, type Notify } from '../dm/service.js';
import type { UserDirectory } from '../dm/user-directory.js';
import type { MessageWriter } from '../dm/writer.js';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError, invalidInput } from '../http/errors.js';
import { readJson } from '../http/read-json.js';
import type { KeySpace, Redis } from '../redis/client.js';
import type { RoomState } from './live-state.js';
import { usernameSchema } from '../users/validation.js';
import { requireRoom } from './routes.js';

/**
 * Invites: a member of a room asks someone in, by a direct message with the
 * room in it. For a while the invite lets that one person in without the
 * room's password, and it ends a removal ban (the owner's removal holds
 * "unless invited again").
 */

/** How long an invite stands in for the password. */
const INVITE_TTL_MS = 15 * 60 * 1000;
const INVITE_LIMIT = { max: 30, windowSeconds: 600 };

const inviteSchema = z.object({ username: usernameSchema });

export type Invites = ReturnType<typeof createInvites>;

export function createInvites(redis: Redis, key: KeySpace) {
  const inviteKey = (room: { id: number }, userId: number) => key('invite', room.id, userId);
  return {
    async grant(room: { id: number }, userId: number): Promise<Date> {
      await redis.set(inviteKey(room, userId), '1', 'PX', INVITE_TTL_MS);
      return new Date(Date.now() + INVITE_TTL_MS);
    },
    /** Whether the user holds an invite to the room now. Keyed by the room's id: a room deleted and made again under its name starts with none. */
    async pending(room: { id: number }, userId: number): Promise<boolean> {
      return (await redis.exists(inviteKey(room, userId))) === 1;
    },
  };
}

type InviteRoutesDeps = {
  db: Db;
  state: RoomState;
  invites: Invites;
  limiter: RateLimiter;
  directory: UserDirectory;
  blocks: BlockCache;
  writer: MessageWriter;
  notify: Notify;
};

/** `POST /api/rooms/:name/invites {username}`. */
export function inviteRoutes({ db, state, invites, limiter, directory, blocks, writer, notify }: InviteRoutesDeps) {
  return new Hono<AuthedEnv>().post('/:name/invites', async (c) => {
    const me = c.var.user;
    const room = await requireRoom(db, c.req.param('name'));
    const input = await readJson(c, inviteSchema);
    if (room.guestId !== null) throw new ApiError(409, 'private_room', 'A call is between its two people; nobody can be invited into it.');
    // Someone in the room (in this browser) or its owner: the person who can vouch for it.
    if (room.ownerId !== me.id && !(await state.holdsAny(room.name, c.var.session.id))) {
      throw new ApiError(403, 'not_a_member', 'Join the room first to invite someone into it.');
    }
    const limit = await limiter.hit(`invites:${me.id}`, INVITE_LIMIT);
    if (!limit.allowed) {
      throw new ApiError(429, 'rate_limited', `You have sent many invites lately; wait ${limit.retryAfterSeconds} s.`, {
        'Retry-After': String(limit.retryAfterSeconds),
      });
    }
    const invitee = await directory.byUsername(input.username);
    if (!invitee || invitee.deleted) throw new ApiError(404, 'unknown_user', 'No user has that name.');
    if (invitee.id === me.id) throw invalidInput('username: you are in the room already');
    if (await blocks.isBlocked(invitee.id, me.id)) throw new ApiError(403, 'blocked', 'This person does not accept your messages.');

    const expiresAt = await invites.grant(room, invitee.id);
    await state.liftRemovalBan(room, invitee.id);
    const clientId = `invite:${encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(15)))}`;
    const invite = { room: room.name, expiresAt: expiresAt.toISOString() };
    const outcome = await writer.write({ senderId: me.id, recipientId: invitee.id, body: '', clientId, kind: 'invite', payload: JSON.stringify(invite) });
    // A block made between the check and the write: the invite stands, but no message reaches them.
    if (outcome.kind === 'blocked') throw new ApiError(403, 'blocked', 'This person does not accept your messages.');
    notify([userRoom(me.id), userRoom(invitee.id)], 'dm:message', toWireMessage(outcome.message, me.username, invitee.username));
    return c.json({ invite }, 201);
  });
}
