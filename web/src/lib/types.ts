// Shapes of the API, shared with the server (types only: nothing of the server is bundled).
import type { DirectMessage as TextMessage } from '../../../src/dm/protocol.js';
export type { ChatMessage, Member, RoomEventData, SignalType } from '../../../src/signalling/protocol.js';
export type { DmAck } from '../../../src/dm/protocol.js';

// PENDING-MERGE: these come from src/dm/protocol.ts once calls-server is merged.
export type CallOutcome = 'answered' | 'missed' | 'declined' | 'cancelled' | 'busy';
export type CallEntry = { id: string; outcome: CallOutcome; durationS?: number };
export type DirectMessage = Omit<TextMessage, 'kind'> & { kind?: 'text' | 'call' | 'invite'; call?: CallEntry };
export type CallRef = { id: string; room: string };
export type IncomingCall = CallRef & { from: { username: string; displayName: string } };
export type CallEnded = { id: string; outcome: CallOutcome; durationS?: number };

export type User = { id: number; username: string; displayName: string };
/** `private` marks a call's two-person room, which only its two people ever see. */
export type Room = { name: string; owner: string; members: number; capacity: number; locked: boolean; private?: boolean; createdAt: string };
/** `deleted` is present, true, only for a deleted account (its conversation stays). */
export type Person = { username: string; displayName: string; online: boolean; deleted?: boolean };
export type Conversation = { with: Person; lastMessage: DirectMessage; unread: number };
