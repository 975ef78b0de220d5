import { Hono } from 'hono';
import { z } from 'zod';
import type { FloodLimiter } from '../auth/flood-limit.js';
import type { PasswordWork } from '../auth/password-queue.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import { isDuplicateKeyError, type Db } from '../db/client.js';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError } from '../http/errors.js';
import { readJson } from '../http/read-json.js';
import { peerIdSchema, type Member } from './protocol.js';
import type { RoomState } from './live-state.js';
import { toPublicUser } from '../users/store.js';
import { spend, type RoomBudgets } from './flood-limits.js';
import { parseRoomName } from './names.js';
import { assertNotRemoved, removedError } from './removal.js';
import { checkRoomPassword } from './room-password.js';
import type { Invites } from './invites.js';
import type { Lobby } from './lobby.js';
import { listPublicRooms, mayEnter, toPublicRoom } from './public-room.js';
import { closeAndDeleteRoom } from './delete-room.js';
import { findRoomByName, insertRoom, type RoomWithOwner } from './store.js';

const CREATE_LIMIT = { max: 30, windowSeconds: 3600 };

export const roomPasswordSchema = z
  .string({ error: 'password must be a string' })
  .refine((s) => [...s].length <= 256, 'password must be at most 256 characters');

export const capacitySchema = z
  .number({ error: 'capacity must be a number' })
  .int('capacity must be a whole number')
  .min(2, 'capacity must be 2-16')
  .max(16, 'capacity must be 2-16');

const createSchema = z.object({
  name: z.unknown(),
  password: z.union([roomPasswordSchema, z.null()]).optional(),
  capacity: capacitySchema.default(8),
});
const joinSchema = z.object({ password: roomPasswordSchema.optional() });
const leaveSchema = z.object({ peerId: peerIdSchema });

export { toPublicRoom } from './public-room.js';

export const roomNotFound = () => new ApiError(404, 'room_not_found', 'There is no room by that name.');

/** The room named in the path, or 400 for a malformed name, 404 for a missing room. */
export async function requireRoom(db: Db, rawName: string): Promise<RoomWithOwner> {
  const room = await findRoomByName(db, parseRoomName(rawName));
  if (!room) throw roomNotFound();
  return room;
}

type RoomRoutesDeps = {
  db: Db;
  state: RoomState;
  limiter: RateLimiter;
  floods: FloodLimiter;
  budgets: RoomBudgets;
  passwords: PasswordWork;
  peers: { perSession: number; perUser: number };
  /** Told of rooms created and deleted (member counts reach it from RoomState itself). */
  lobby: Lobby;
  invites: Invites;
};

/** Creating, listing, joining, leaving and deleting rooms: `/api/rooms`. */
export function roomRoutes({ db, state, limiter, floods, budgets, passwords, peers, lobby, invites }: RoomRoutesDeps) {
  return new Hono<AuthedEnv>()
    .get('/', async (c) => {
      return c.json({ rooms: await listPublicRooms(db, state) });
    })
    .post('/', async (c) => {
      const input = await readJson(c, createSchema);
      const name = parseRoomName(input.name);
      const limit = await limiter.hit(`rooms:create:${c.var.user.id}`, CREATE_LIMIT);
      if (!limit.allowed) {
        throw new ApiError(429, 'too_many_attempts', 'You have created many rooms lately; try again later.', {
          'Retry-After': String(limit.retryAfterSeconds),
        });
      }
      const password = input.password ? input.password : null;
      const passwordHash = password ? await passwords.hash(password, `user:${c.var.user.id}`) : null;
      let row: Awaited<ReturnType<typeof insertRoom>>;
      try {
        row = await insertRoom(db, { name, ownerId: c.var.user.id, passwordHash, capacity: input.capacity });
      } catch (err) {
        if (isDuplicateKeyError(err)) throw new ApiError(409, 'room_exists', 'A room by that name exists already.');
        throw err;
      }
      const created = { ...row, ownerUsername: c.var.user.username };
      // Published before the answer, so the lobby hears of the room before anyone can join it.
      await lobby.roomCreated(created);
      return c.json({ room: toPublicRoom(created, 0) }, 201);
    })
    .get('/:name', async (c) => {
      const room = await requireRoom(db, c.req.param('name'));
      // A call's room is for its two people only; to anyone else it does not exist.
      if (!mayEnter(room, c.var.user.id)) throw roomNotFound();
      let members = await state.members(room.name);
      const count = members.length;
      // Who is inside a locked room is for its members and its owner to see.
      if (room.passwordHash && room.ownerId !== c.var.user.id && !(await state.holdsAny(room.name, c.var.session.id))) {
        members = [];
      }
      return c.json({ room: toPublicRoom(room, count), members });
    })
    .post('/:name/join', async (c) => {
      // Before anything else, so a flood of joins costs neither MySQL nor hashing.
      await spend(floods, `join:${c.var.user.id}`, budgets.join, 'joins');
      const room = await requireRoom(db, c.req.param('name'));
      const input = await readJson(c, joinSchema, { emptyAs: {} });
      if (!mayEnter(room, c.var.user.id)) throw new ApiError(403, 'not_invited', 'This is a private call between two people.');
      // A pending invite stands in for the password (and creating it lifted any removal ban).
      const invited = await invites.pending(room, c.var.user.id);
      // Before the password: a removed user's guesses would only cost attempts.
      if (!invited) await assertNotRemoved(state, room, c.var.user.id);
      if (room.passwordHash && room.ownerId !== c.var.user.id && !invited) {
        // A full room says so first: asking for its password would only lead to "full" after it,
        // and a guess there would cost an attempt. (The count is read again, atomically, on join.)
        const [count = 0] = await state.counts([room.name]);
        if (count >= room.capacity) throw new ApiError(409, 'room_full', `The room is full (${room.capacity} people).`);
        await checkRoomPassword(
          { limiter, passwords },
          { userId: c.var.user.id, clientIp: c.var.clientIp, room: room.name, passwordHash: room.passwordHash, password: input.password },
        );
      }
      const joined = await state.join(room, toPublicUser(c.var.user), c.var.session.id, peers);
      if (joined.ok === false && joined.reason === 'removed') throw removedError(joined.retryAfterSeconds);
      if (joined.ok === false && joined.reason === 'room_full') {
        throw new ApiError(409, 'room_full', `The room is full (${room.capacity} people).`);
      }
      if (joined.ok === false) {
        const [held, max] = joined.reason === 'session' ? ['This browser', peers.perSession] : ['Your account', peers.perUser];
        throw new ApiError(409, 'too_many_peers', `${held} already holds ${max} places in this room; leave one (close a tab) first.`);
      }
      return c.json({
        room: toPublicRoom(room, joined.members.length),
        peerId: joined.member.peerId,
        members: joined.members satisfies Member[],
      });
    })
    .post('/:name/leave', async (c) => {
      const name = parseRoomName(c.req.param('name'));
      const { peerId } = await readJson(c, leaveSchema);
      const result = await state.leave(name, peerId, c.var.session.id, 'left');
      if (result === 'not_a_member') throw new ApiError(403, 'not_a_member', 'That peer is not yours.');
      // Leaving twice, or a peer that already timed out, is still a successful leave.
      return c.body(null, 204);
    })
    .delete('/:name', async (c) => {
      const room = await requireRoom(db, c.req.param('name'));
      if (room.ownerId !== c.var.user.id) {
        throw new ApiError(403, 'not_room_owner', 'Only the room’s owner can delete it.');
      }
      await closeAndDeleteRoom({ db, state, lobby }, room);
      return c.body(null, 204);
    });
}
