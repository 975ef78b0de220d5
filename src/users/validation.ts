import { z } from 'zod';

/** Length in code points, so an emoji counts as one character, as people count. */
const length = (s: string) => [...s].length;

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;

/** Usernames compare case-insensitively: they are lower-cased on the way in. */
export const usernameSchema = z
  .string({ error: 'username must be a string' })
  .transform((s) => s.toLowerCase())
  .refine((s) => USERNAME_PATTERN.test(s), 'username must be 3-32 characters of a-z, 0-9, _ . -');

// A password of eight spaces or eight NULs has the length of a password and none of its
// strength; one with at least one visible character is the user's business.
const BLANK_PASSWORD = /^[\p{White_Space}\p{Cc}\p{Cf}]*$/u;

export const newPasswordSchema = z
  .string({ error: 'password must be a string' })
  .refine((s) => length(s) >= 8 && length(s) <= 256, 'password must be 8-256 characters')
  .refine((s) => !BLANK_PASSWORD.test(s), 'password must not be only white space or control characters');

// Characters that render as nothing, or that change how the text around them is shown, let a
// name look like another (an invisible character after "alice") or look empty: control and
// line-separator characters, every format character (Cf: zero-width spaces, the soft hyphen,
// bidi overrides, marks and isolates, tag characters), and the Hangul and Braille fillers that
// are letters or symbols by category but draw nothing.
// biome-ignore lint/suspicious/noMisleadingCharacterClass: U+034F (a combining mark) is meant to be matched on its own, wherever it stands.
const FORBIDDEN_IN_NAMES = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u2800\u034F]/u;
// The one format character a name keeps: the zero-width joiner inside an emoji sequence
// (👩‍💻 is three code points joined by U+200D; 👩🏽‍💻 has a skin tone before the joiner), where
// it draws a single picture.
const EMOJI_JOINER = /(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}]\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;

/** Whether `name` has a character that draws nothing or reorders its surroundings. */
export function hasInvisibleCharacters(name: string): boolean {
  return FORBIDDEN_IN_NAMES.test(name.replace(EMOJI_JOINER, ''));
}

export const displayNameSchema = z
  .string({ error: 'displayName must be a string' })
  .transform((s) => s.trim())
  .refine((s) => length(s) >= 1 && length(s) <= 64, 'displayName must be 1-64 characters after trimming')
  .refine((s) => !hasInvisibleCharacters(s), 'displayName must not contain control, format or invisible characters');
