/**
 * Room names as the server takes them (src/rooms/names.ts): trimmed, lower-cased, runs of white
 * space become '-', then 1–64 characters of a–z, 0–9, '-' and '_', starting with a letter or digit.
 * The hint, the preview and the server say the same thing: "café" is refused by all three.
 */
export const ROOM_NAME_HINT = 'Lower-case a–z, 0–9, - and _, starting with a letter or digit; spaces become -.';
const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function normaliseRoomName(input: string): string {
  return input.trim().toLowerCase().replace(/\s+/g, '-');
}

/** What the name field says under itself as you type: the name the room will get, or what is wrong. */
export function roomNamePreview(input: string): { ok: boolean; text: string } {
  const room = normaliseRoomName(input);
  if (!room) return { ok: true, text: '' };
  const bad = [...new Set(room.replace(/[a-z0-9_-]/g, ''))];
  if (bad.length > 0) return { ok: false, text: `Room names can’t contain ${bad.map((c) => `“${c}”`).join(' ')}.` };
  if (!ROOM_NAME_PATTERN.test(room)) return { ok: false, text: room.length > 64 ? 'Room names are at most 64 characters.' : 'Start with a letter or a digit.' };
  return { ok: true, text: `Will be created as: ${room}` };
}
