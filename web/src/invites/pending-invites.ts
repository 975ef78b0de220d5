import type { DirectMessage } from '../lib/types.js';

/**
 * The invites this browser has seen for the signed-in user, by room, until they run out. Only a
 * hint for the room screen: with one, it joins a locked room without asking for the password
 * first (the server decides). Without it every visit to a locked room would try an empty
 * password, and each try counts against the person's password attempts.
 */
const KEY = 'parley:invites';
/** What the server grants (src/rooms/invites.ts), for an entry that does not say when it ends. */
const INVITE_MS = 15 * 60 * 1000;

type Stored = Record<string, Record<string, number>>;
/** Where they are kept when localStorage refuses (a private window's quota, a blocked store): this tab only. */
let inMemory: Stored = {};

/** When the invite of an `invite` entry ends, in ms; undefined for an entry without one. */
export function inviteEnds(m: DirectMessage): number | undefined {
  if (!m.invite) return undefined;
  const ends = m.invite.expiresAt ? Date.parse(m.invite.expiresAt) : Date.parse(m.createdAt) + INVITE_MS;
  return Number.isFinite(ends) ? ends : undefined;
}

export function rememberInvite(username: string, room: string, ends: number): void {
  const all = read();
  const mine = prune(all[username] ?? {});
  mine[key(room)] = Math.max(ends, mine[key(room)] ?? 0);
  write({ ...all, [username]: mine });
}

export function holdsInvite(username: string, room: string, now = Date.now()): boolean {
  return (read()[username]?.[key(room)] ?? 0) > now;
}

/** The server refused it (run out early, or the room was made again): ask for the password next time. */
export function forgetInvite(username: string, room: string): void {
  const all = read();
  if (!all[username]) return;
  const { [key(room)]: _gone, ...rest } = all[username];
  write({ ...all, [username]: prune(rest) });
}

/** Room names are case-insensitive on the server (`/r/Standup` is `standup`). */
const key = (room: string) => room.trim().toLowerCase();

function prune(rooms: Record<string, number>): Record<string, number> {
  const now = Date.now();
  return Object.fromEntries(Object.entries(rooms).filter(([, ends]) => ends > now));
}

function read(): Stored {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as unknown;
    return v && typeof v === 'object' ? (v as Stored) : inMemory;
  } catch {
    return inMemory;
  }
}

function write(all: Stored): void {
  inMemory = all;
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Kept in memory instead: a Join in this tab still goes straight in.
  }
}
