import { z } from 'zod';
import { isWellFormedText } from '../http/text.js';
import { USERNAME_PATTERN } from '../users/validation.js';

/** The direct-message protocol's vocabulary, shared by the server and the web client. */

export const DM_NAMESPACE = '/dm';

export const DM_CLIENT_EVENTS = ['dm:send', 'dm:read', 'dm:typing'] as const;
export const DM_SERVER_EVENTS = ['dm:message', 'dm:read', 'dm:typing', 'presence'] as const;

export const DM_ERROR_CODES = ['invalid_input', 'unknown_user', 'blocked', 'rate_limited', 'unavailable'] as const;
export type DmErrorCode = (typeof DM_ERROR_CODES)[number];

export type DirectMessage = { id: number; from: string; to: string; body: string; createdAt: string; clientId: string };
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
