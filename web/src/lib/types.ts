// Shapes of the API, shared with the server (types only: nothing of the server is bundled).
export type { ChatMessage, Member, RoomEventData, SignalType } from '../../../src/signalling/protocol.js';
export type { DirectMessage, DmAck } from '../../../src/dm/protocol.js';

export type User = { id: number; username: string; displayName: string };
export type Room = { name: string; owner: string; members: number; capacity: number; locked: boolean; createdAt: string };
export type Person = { username: string; displayName: string; online: boolean };
export type Conversation = { with: Person; lastMessage: import('../../../src/dm/protocol.js').DirectMessage; unread: number };
