// Shapes of the API, shared with the server (types only: nothing of the server is bundled).
export type { ChatMessage, Member, RoomEventData, SignalType } from '../../../src/rooms/protocol.js';
export type { CallEnded, CallOutcome, DirectMessage, DmAck, IncomingCall } from '../../../src/dm/protocol.js';
export type { PublicRoom as Room } from '../../../src/rooms/public-room.js';

export type User = { id: number; username: string; displayName: string };
/** `deleted` is present, true, only for a deleted account (its conversation stays). */
export type Person = { username: string; displayName: string; online: boolean; deleted?: boolean };
export type Conversation = { with: Person; lastMessage: import('../../../src/dm/protocol.js').DirectMessage; unread: number };
