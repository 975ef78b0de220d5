import { ApiError } from '../http/errors.js';

const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Room names as people type them become one canonical name: trimmed,
 * lower-cased, runs of white space turned into `-`. "Friday Standup" and
 * " friday   standup " are the same room, `friday-standup`.
 */
export function normaliseRoomName(raw: string): string {
  return raw.trim().toLowerCase().replace(/\s+/g, '-');
}

/** The normalised name, or 400 `invalid_room_name`. */
export function parseRoomName(raw: unknown): string {
  const name = typeof raw === 'string' ? normaliseRoomName(raw) : '';
  if (!ROOM_NAME_PATTERN.test(name)) {
    throw new ApiError(400, 'invalid_room_name', 'Room names are 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit.');
  }
  return name;
}
