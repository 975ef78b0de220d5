import type { Db } from '../db/client.js';
import type { RoomState } from './live-state.js';
import { listRooms, type RoomWithOwner } from './store.js';

/** A room as the room list and the lobby stream show it. */
export type PublicRoom = {
  name: string;
  owner: string;
  members: number;
  capacity: number;
  locked: boolean;
  /** A call's two-person room (see src/dm/calls.ts); only its two people ever see it. */
  private: boolean;
  createdAt: string;
};

export function toPublicRoom(row: RoomWithOwner, members: number): PublicRoom {
  return {
    name: row.name,
    owner: row.ownerUsername,
    members,
    capacity: row.capacity,
    locked: row.passwordHash !== null,
    private: row.guestId !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Whether a room appears in `GET /api/rooms` and on the lobby stream: the one check
 * both use. A call's private room never does.
 */
export function isListed(room: RoomWithOwner): boolean {
  return room.guestId === null;
}

/** Whether the user may see and join the room: anyone for a room, its two people for a call's. */
export function mayEnter(room: RoomWithOwner, userId: number): boolean {
  return room.guestId === null || room.ownerId === userId || room.guestId === userId;
}

const LIST_LIMIT = 500;

/** The listed rooms, newest first, with their live member counts (`GET /api/rooms`). */
export async function listPublicRooms(db: Db, state: RoomState): Promise<PublicRoom[]> {
  const rows = (await listRooms(db, LIST_LIMIT)).filter(isListed);
  const counts = await state.counts(rows.map((r) => r.name));
  return rows.map((row, i) => toPublicRoom(row, counts[i] ?? 0));
}
