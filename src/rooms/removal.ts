import { ApiError } from '../http/errors.js';
import type { RoomState } from './live-state.js';

/**
 * Refuses a join by a user the owner removed from the room, while the ban lasts (403 `removed`,
 * with Retry-After). The one place a join asks; creating an invite lifts the ban
 * (`state.liftRemovalBan`, src/rooms/invites.ts), so an invited user passes here and in the join script alike.
 */
export async function assertNotRemoved(state: RoomState, room: { id: number; name: string }, userId: number): Promise<void> {
  const seconds = await state.removalBanSeconds(room, userId);
  if (seconds > 0) throw removedError(seconds);
}

export const removedError = (retryAfterSeconds: number) =>
  new ApiError(403, 'removed', 'The room’s owner removed you from this room; you cannot rejoin it for now.', {
    'Retry-After': String(retryAfterSeconds),
  });
