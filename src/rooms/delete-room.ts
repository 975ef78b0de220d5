import type { Db } from '../db/client.js';
import type { RoomState } from './live-state.js';
import type { Lobby } from './lobby.js';
import { deleteRoom, type RoomWithOwner } from './store.js';

type DeleteRoomDeps = { db: Db; state: Pick<RoomState, 'close'>; lobby: Pick<Lobby, 'roomDeleted'> };

/**
 * Deletes a room for everyone: its members hear `room-closed` (which ends their streams, on
 * whichever process), the row goes, and every lobby hears `room-deleted`. The owner's
 * `DELETE /api/rooms/:name` and the admin command's `delete-room` both come here.
 */
export async function closeAndDeleteRoom({ db, state, lobby }: DeleteRoomDeps, room: RoomWithOwner): Promise<void> {
  // Redis first: if MySQL then fails the caller can simply retry, whereas the other order could
  // leave a deleted room live in Redis.
  await state.close(room.name);
  await deleteRoom(db, room.id);
  await lobby.roomDeleted(room);
}
