import { ApiError, get } from '../lib/api.js';
import type { Room } from '../lib/types.js';

/**
 * Whether a room can be opened: the words to show when it is gone or full,
 * or null to go ahead. A full room would otherwise ask for its password first
 * and only then say it is full. An outage goes ahead: the room screen says
 * what is wrong there.
 */
export async function whyNotOpen(room: string): Promise<string | null> {
  try {
    const { room: info } = await get<{ room: Room }>(`/api/rooms/${encodeURIComponent(room)}`);
    if (info.members >= info.capacity) return `“${room}” is full (${info.members} of ${info.capacity}). Try again when someone leaves.`;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.code === 'invalid_room_name')) return `There is no room called “${room}”.`;
  }
  return null;
}
