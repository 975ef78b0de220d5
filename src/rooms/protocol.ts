import { z } from 'zod';
import type { PublicUser } from '../users/store.js';

/**
 * The room protocol's closed vocabularies: the events a room stream carries
 * and the signal types a client may post. Shared by the server and the web
 * client, and still checked at run time where input arrives.
 */

export const SIGNAL_TYPES = ['offer', 'answer', 'candidate', 'hangup', 'state'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export type Member = { peerId: string; user: PublicUser; inCall: boolean; muted: boolean };

export type ChatMessage = {
  id: number;
  peerId: string;
  user: PublicUser;
  body: string;
  createdAt: string;
};

/** `removed`: the room's owner removed the member (POST /api/rooms/:name/remove). */
export type MemberLeftReason = 'left' | 'timeout' | 'removed';
type RoomClosedReason = 'deleted';

/** The `data` of each event type. */
export type RoomEventData = {
  welcome: { peerId: string; members: Member[] };
  'member-joined': { member: Member };
  'member-left': { peerId: string; reason: MemberLeftReason };
  'member-state': { peerId: string; inCall: boolean; muted: boolean };
  /** The member's user changed (a new display name): the whole member record, as it is now. */
  'member-updated': { member: Member };
  signal: { from: string; type: SignalType; data: unknown };
  chat: { message: ChatMessage };
  'room-closed': { reason: RoomClosedReason };
};

/** Peer ids are issued by the server: 16 random bytes, base64url. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
export const peerIdSchema = z.string().regex(PEER_ID_PATTERN, 'not a peer id');

export const stateDataSchema = z.object({ inCall: z.boolean(), muted: z.boolean() });
