import { z } from 'zod';
import { isWellFormedText } from '../http/text.js';
import { USERNAME_PATTERN } from '../users/validation.js';

/** The direct-message protocol's vocabulary, shared by the server and the web client. */

export const DM_NAMESPACE = '/dm';

const DM_ERROR_CODES = ['invalid_input', 'unknown_user', 'blocked', 'rate_limited', 'unavailable', 'call_not_found'] as const;
export type DmErrorCode = (typeof DM_ERROR_CODES)[number];

/** How a call from a conversation ended, as its entry in the thread records it. */
export type CallOutcome = 'answered' | 'missed' | 'declined' | 'cancelled' | 'busy';
export type CallEntry = { id: string; outcome: CallOutcome; durationS?: number };
type InviteEntry = { room: string; expiresAt?: string };

/**
 * A message of a conversation. `kind` is `text` for what people write; `call` and `invite`
 * entries are written by the server, carry an empty body, and their details in `call` or
 * `invite`. Clients must tolerate kinds they do not know.
 */
export type DirectMessage = {
  id: number;
  from: string;
  to: string;
  body: string;
  createdAt: string;
  clientId: string;
  kind: 'text' | 'call' | 'invite';
  call?: CallEntry;
  invite?: InviteEntry;
};

/** A call as `call:ring` and `call:accept` acknowledge it. */
export type CallRef = { id: string; room: string };
export type IncomingCall = CallRef & { from: { username: string; displayName: string } };
export type CallEnded = { id: string; outcome: CallOutcome; durationS?: number };
export type DmAck<T> = ({ ok: true } & T) | { ok: false; error: { code: DmErrorCode; message: string } };

const username = z
  .string({ error: 'must be a username' })
  .transform((s) => s.toLowerCase())
  .refine((s) => USERNAME_PATTERN.test(s), 'must be a username');

export const sendSchema = z.object({
  to: username,
  body: z
    .string({ error: 'body must be a string' })
    .transform((s) => s.trim())
    .refine((s) => [...s].length >= 1 && [...s].length <= 4000, 'body must be 1-4000 characters after trimming')
    .refine(isWellFormedText, 'body must be text (it holds a lone UTF-16 surrogate)'),
  // Chosen by the client per message and reused on retries.
  clientId: z.string({ error: 'clientId must be a string' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'clientId must be 1-64 of A-Z a-z 0-9 _ -'),
});

export const readSchema = z.object({
  with: username,
  upTo: z.number({ error: 'upTo must be a message id' }).int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const typingSchema = z.object({ to: username });

/** Call ids are 24 characters of base32 (lower case); anything else cannot name a call. */
export const callIdSchema = z.object({ id: z.string({ error: 'id must be a call id' }).regex(/^[a-z2-7]{24}$/, 'id must be a call id') });
export const ringSchema = z.object({ to: username });
