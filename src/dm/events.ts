import type { z } from 'zod';
import type { CallEnded, CallRef, DirectMessage, DmAck, IncomingCall, callIdSchema, readSchema, ringSchema, sendSchema, typingSchema } from './protocol.js';

/**
 * The `/dm` namespace's events, their payloads and their acks, in the shape
 * Socket.IO's typed `Server`, `Namespace` and `Socket` take. The server and
 * the web client (which imports this file for its types only) both use these
 * maps, so a payload changed here is checked on both sides. What a client
 * sends is what the schemas in protocol.ts accept as input; the server still
 * treats every payload as unknown until a schema has parsed it.
 */

export type SendAck = DmAck<{ message: DirectMessage }>;
export type CallAck = DmAck<{ call: CallRef }>;
/** The answer to an event whose success carries nothing (`dm:read`, ending a call). */
export type DoneAck = DmAck<object>;

/** `dm:read` as the server emits it: the marker as stored. */
type ReadMarker = { by: string; with: string; upTo: number };
type TypingNotice = { from: string };
type PresenceChange = { username: string; online: boolean };
type CallAccepted = { id: string; by: string };

export type DmClientToServerEvents = {
  'dm:send': (payload: z.input<typeof sendSchema>, ack: (answer: SendAck) => void) => void;
  'dm:read': (payload: z.input<typeof readSchema>, ack: (answer: DoneAck) => void) => void;
  'dm:typing': (payload: z.input<typeof typingSchema>) => void;
  'call:ring': (payload: z.input<typeof ringSchema>, ack: (answer: CallAck) => void) => void;
  'call:accept': (payload: z.input<typeof callIdSchema>, ack: (answer: CallAck) => void) => void;
  'call:decline': (payload: z.input<typeof callIdSchema>, ack: (answer: DoneAck) => void) => void;
  'call:cancel': (payload: z.input<typeof callIdSchema>, ack: (answer: DoneAck) => void) => void;
  'call:hangup': (payload: z.input<typeof callIdSchema>, ack: (answer: DoneAck) => void) => void;
};

export type DmServerToClientEvents = {
  'dm:message': (message: DirectMessage) => void;
  'dm:read': (marker: ReadMarker) => void;
  'dm:typing': (notice: TypingNotice) => void;
  presence: (change: PresenceChange) => void;
  'call:incoming': (ring: { call: IncomingCall }) => void;
  'call:accepted': (accepted: CallAccepted) => void;
  'call:ended': (ended: CallEnded) => void;
};

type DmClientEvent = keyof DmClientToServerEvents;
export type DmServerEvent = keyof DmServerToClientEvents;
/** The events a client emits with an ack, and the ack each gets. */
export type DmAckedEvent = { [E in DmClientEvent]: Parameters<DmClientToServerEvents[E]> extends [unknown, unknown] ? E : never }[DmClientEvent];
export type DmAckOf<E extends DmAckedEvent> = Parameters<Parameters<DmClientToServerEvents[E]>[1]>[0];
export type DmPayloadOf<E extends DmClientEvent> = Parameters<DmClientToServerEvents[E]>[0];
export type DmServerPayload<E extends DmServerEvent> = Parameters<DmServerToClientEvents[E]>[0];

/**
 * Emits a server event to the sockets in `rooms` (user and session rooms), on
 * every process.
 */
export type Notify = <E extends DmServerEvent>(rooms: string[], event: E, data: DmServerPayload<E>) => void;
