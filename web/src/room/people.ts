import type { Member } from '../lib/types.js';
import type { RoomSession } from './room-session.js';

/** One person in a room, whatever number of tabs (peers) they have open in it. */
export type Person = {
  user: Member['user'];
  peers: Member[];
  /** Any of their tabs is in the call. */
  inCall: boolean;
  /** Every one of their tabs in the call is muted. */
  muted: boolean;
  /** This is the person using this tab. */
  you: boolean;
};

/**
 * Members are per peer (a tab); people are per user. Someone with two tabs open is one person,
 * in the call if any of their tabs is. You come first, then everyone by display name.
 */
export function groupPeople(members: Iterable<Member>, self: string, selfUserId: number): Person[] {
  const byUser = new Map<number, Person>();
  for (const m of members) {
    let p = byUser.get(m.user.id);
    if (!p) {
      p = { user: m.user, peers: [], inCall: false, muted: false, you: m.user.id === selfUserId };
      byUser.set(m.user.id, p);
    }
    p.peers.push(m);
    // This tab's own entry carries the newest name.
    if (m.peerId === self) p.user = m.user;
  }
  for (const p of byUser.values()) {
    const calling = p.peers.filter((m) => m.inCall);
    p.inCall = calling.length > 0;
    p.muted = p.inCall && calling.every((m) => m.muted);
  }
  return [...byUser.values()].sort((a, b) => (a.you !== b.you ? (a.you ? -1 : 1) : a.user.displayName.localeCompare(b.user.displayName)));
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return letters.map((p) => [...p][0]!.toUpperCase()).join('') || '?';
}

/**
 * The room's people as this tab shows them. This tab's own entry follows what the tab knows at
 * once (in the call, muted), not the echo of its state from the server, which comes later.
 */
export function peopleOf(session: RoomSession, selfUserId: number): Person[] {
  const self = session.peerId.value;
  const inCall = session.inCall.value;
  const muted = session.muted.value;
  const members = [...session.members.value.values()].map((m) => (m.peerId === self ? { ...m, inCall, muted: inCall && muted } : m));
  return groupPeople(members, self, selfUserId);
}
