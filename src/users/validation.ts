import { z } from 'zod';

/** Length in code points, so an emoji counts as one character, as people count. */
const length = (s: string) => [...s].length;

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;

/** Usernames compare case-insensitively: they are lower-cased on the way in. */
export const usernameSchema = z
  .string({ error: 'username must be a string' })
  .transform((s) => s.toLowerCase())
  .refine((s) => USERNAME_PATTERN.test(s), 'username must be 3-32 characters of a-z, 0-9, _ . -');

export const newPasswordSchema = z
  .string({ error: 'password must be a string' })
  .refine((s) => length(s) >= 8 && length(s) <= 256, 'password must be 8-256 characters');

// Control characters, and the bidirectional overrides and isolates that can
// make a name display as something else (e.g. "admin" spelled backwards).
const FORBIDDEN_IN_NAMES = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

export const displayNameSchema = z
  .string({ error: 'displayName must be a string' })
  .transform((s) => s.trim())
  .refine((s) => length(s) >= 1 && length(s) <= 64, 'displayName must be 1-64 characters after trimming')
  .refine((s) => !FORBIDDEN_IN_NAMES.test(s), 'displayName must not contain control characters');
