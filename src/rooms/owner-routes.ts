import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Budget, FloodLimiter } from '../auth/flood-limit.js';
import type { PasswordWork } from '../auth/password-queue.js';
import type { Db } from '../db/client.js';
import { rooms } from '../db/schema.js';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError } from '../http/errors.js';
import { readJson } from '../http/read-json.js';
import { peerIdSchema } from './protocol.js';
import type { RoomState } from './live-state.js';
import { spend } from './flood-limits.js';
import type { Lobby } from './lobby.js';
import { capacitySchema, requireRoom, roomPasswordSchema, toPublicRoom } from './routes.js';

// Removals and settings changes per owner: a few a minute is plenty for a person; more is a script.
const OWNER_BUDGET: Budget = { max: 30, windowMs: 60_000 };

const removeSchema = z.object({ peerId: peerIdSchema });
const patchSchema = z.object({
  password: z.union([roomPasswordSchema, z.null()]).optional(),
  capacity: capacitySchema.optional(),
});

const notOwner = (what: string) => new ApiError(403, 'not_room_owner', `Only the room’s owner can ${what}.`);
const privateRoom = () => new ApiError(409, 'private_room', 'A call’s room has no settings and nobody to remove; hang up instead.');

type OwnerRoutesDeps = {
  db: Db;
  state: RoomState;
  floods: FloodLimiter;
  passwords: PasswordWork;
  removalBanS: number;
  lobby: Lobby;
};

/** What a room's owner may do besides deleting it: remove a member, change the password and capacity. */
export function ownerRoutes({ db, state, floods, passwords, removalBanS, lobby }: OwnerRoutesDeps) {
  return new Hono<AuthedEnv>()
    .post('/:name/remove', async (c) => {
      await spend(floods, `owner:${c.var.user.id}`, OWNER_BUDGET, 'room changes');
      const room = await requireRoom(db, c.req.param('name'));
      if (room.ownerId !== c.var.user.id) throw notOwner('remove people from it');
      if (room.guestId !== null) throw privateRoom();
      const { peerId } = await readJson(c, removeSchema);
      const result = await state.removeUser(room, peerId, room.ownerId, removalBanS * 1000);
      if (result.ok === false && result.reason === 'self') {
        throw new ApiError(400, 'cannot_remove_self', 'You own this room; leave it instead of removing yourself.');
      }
      if (result.ok === false) throw new ApiError(404, 'peer_not_found', 'That person is not in the room (any more).');
      return c.body(null, 204);
    })
    .patch('/:name', async (c) => {
      await spend(floods, `owner:${c.var.user.id}`, OWNER_BUDGET, 'room changes');
      const room = await requireRoom(db, c.req.param('name'));
      if (room.ownerId !== c.var.user.id) throw notOwner('change its settings');
      if (room.guestId !== null) throw privateRoom();
      const input = await readJson(c, patchSchema);
      const changes: { passwordHash?: string | null; capacity?: number } = {};
      // An empty password, as on creation, means none: the room is unlocked.
      if (input.password !== undefined) {
        changes.passwordHash = input.password ? await passwords.hash(input.password, `user:${c.var.user.id}`) : null;
      }
      // A capacity below the current count removes nobody: joins are refused until people leave.
      if (input.capacity !== undefined) changes.capacity = input.capacity;
      if (Object.keys(changes).length > 0) {
        await db.update(rooms).set(changes).where(eq(rooms.id, room.id));
        // Every lobby shows the new capacity and lock.
        lobby.roomUpdated(room.name);
      }
      const [count = 0] = await state.counts([room.name]);
      const updated = toPublicRoom({ ...room, ...changes }, count);
      return c.json({ room: updated });
    });
}
