import { signal } from '@preact/signals';
import { sessionEnded } from '../lib/session.js';
import type { User } from '../lib/types.js';
import { RoomSession, readCallMarker } from './room-session.js';

/**
 * The tab's one room session, owned by the app shell rather than a screen, so
 * that a call goes on while the person opens Home or Messages. At most one at
 * a time: a tab is in one room (and one call), as in Meet or Discord.
 */
export const roomSession = signal<RoomSession | undefined>(undefined);

/**
 * The session for `name`: the current one when it is that room, else a new one (the old one is
 * left). `direct` is for a call's private room: joined at once, without asking about the room first.
 */
export function openRoomSession(name: string, user: User, options: { direct?: boolean } = {}): RoomSession {
  const current = roomSession.value;
  if (current && current.name === name && current.phase.value !== 'closed' && current.phase.value !== 'failed') return current;
  current?.leave();
  const marker = readCallMarker();
  const next = new RoomSession(name, user, { resumeCall: marker?.room === name && marker.inCall, direct: options.direct, onUnauthenticated: sessionEnded });
  roomSession.value = next;
  return next;
}

/** After a reload on another screen mid-call: back into that room's call, so the call bar shows it. */
export function resumeRoomSession(user: User): void {
  const marker = readCallMarker();
  if (!roomSession.value && marker?.inCall) openRoomSession(marker.room, user);
}

/** The person is not on the room screen any more: keep the session only while it carries a call. */
export function releaseRoomSession(session: RoomSession): void {
  if (roomSession.value !== session || session.holdsCall) return;
  session.leave();
  roomSession.value = undefined;
}

export function closeRoomSession(): void {
  roomSession.value?.leave();
  roomSession.value = undefined;
}

// Tests and curious users: the browser's own view of each connection of the current call.
(window as unknown as { __parley?: unknown }).__parley = {
  peerId: () => roomSession.value?.peerId.value ?? '',
  stats: () => roomSession.value?.stats() ?? Promise.resolve([]),
  /** Each connection's `connectionState`, without the cost of getStats(): what benches poll. */
  states: () => [...(roomSession.value?.peerStates.value.values() ?? [])],
  /** The call's file transfers (file-transfer.ts), with their timings: what bench:files reads. */
  files: () => roomSession.value?.files.value?.list.value ?? [],
};

/** The path the shell shows, so the call bar can hide itself on its own room's screen. */
export const currentPath = signal(location.pathname);
