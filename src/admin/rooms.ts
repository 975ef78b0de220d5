import { ApiError } from '../http/errors.js';
import { closeAndDeleteRoom } from '../rooms/delete-room.js';
import { parseRoomName } from '../rooms/names.js';
import { toPublicRoom, type PublicRoom } from '../rooms/public-room.js';
import { findRoomByName, listRooms } from '../rooms/store.js';
import { AdminError, type AdminContext } from './context.js';

/** Every listed room, newest first, with its live member count from Redis (calls' private rooms are not listed). */
export async function listAllRooms(ctx: AdminContext): Promise<PublicRoom[]> {
  const rows = await listRooms(ctx.db);
  const counts = await ctx.state.counts(rows.map((r) => r.name));
  return rows.map((row, i) => toPublicRoom(row, counts[i] ?? 0));
}

/** The rooms as aligned columns, for a person at a terminal. */
export function formatRooms(rooms: PublicRoom[]): string[] {
  if (rooms.length === 0) return ['No rooms.'];
  const table = [
    ['NAME', 'OWNER', 'CREATED', 'MEMBERS', 'LOCKED'],
    ...rooms.map((r) => [r.name, r.owner, r.createdAt.replace(/\.\d+Z$/, 'Z'), `${r.members}/${r.capacity}`, r.locked ? 'yes' : 'no']),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return table.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  '));
}

/** What the owner's `DELETE /api/rooms/:name` does: members' streams end, every lobby hears `room-deleted`. */
export async function deleteRoomByName(ctx: AdminContext, rawName: string): Promise<string> {
  let name: string;
  try {
    name = parseRoomName(rawName);
  } catch (err) {
    if (err instanceof ApiError) throw new AdminError(`"${rawName}" cannot be a room name: ${err.message}`);
    throw err;
  }
  const room = await findRoomByName(ctx.db, name);
  if (!room) throw new AdminError(`no room named "${name}"`);
  await closeAndDeleteRoom({ db: ctx.db, state: ctx.state, lobby: ctx.lobby }, room);
  return name;
}
