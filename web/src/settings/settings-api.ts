import { ApiError, api, get } from '../lib/api.js';
import type { User } from '../lib/types.js';

/** The account calls the Settings screen makes (docs/api.md, "Accounts" and "Blocking"). */
export type SessionInfo = { id: string; current: boolean; createdAt: string; lastUsedAt: string; userAgent: string | null };
export type BlockedPerson = { username: string; displayName: string };

export const renameMe = (displayName: string) => api<{ user: User }>('PATCH', '/api/me', { displayName });
export const changePassword = (current: string, next: string) => api('POST', '/api/me/password', { current, next });
export const listSessions = () => get<{ sessions: SessionInfo[] }>('/api/me/sessions');
export const endSession = (id: string) => api('DELETE', `/api/me/sessions/${encodeURIComponent(id)}`);
export const endOtherSessions = () => api('DELETE', '/api/me/sessions');
export const deleteAccount = (password: string) => api('DELETE', '/api/me', { password });
export const listBlocked = () => get<{ users: BlockedPerson[] }>('/api/users/blocked');
export const block = (username: string) => api('POST', `/api/users/${encodeURIComponent(username)}/block`, {});
export const unblock = (username: string) => api('DELETE', `/api/users/${encodeURIComponent(username)}/block`);

/**
 * "Firefox on Windows": a user agent in the words a person knows their devices by. Order
 * matters: Edge and Opera say "Chrome" too, and every Chromium says "Safari".
 */
export function describeAgent(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : /curl|python|node|axios|Go-http/i.test(ua)
              ? 'A program'
              : 'A browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad|iPod/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : '';
  return os ? `${browser} on ${os}` : browser;
}

/** An error in words for a form: the server's message, or what to do when it cannot be reached or asks to wait. */
export function errorWords(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Try again.';
  if (err.code === 'too_many_attempts') return `Too many attempts. Wait ${err.retryAfter ?? 60} seconds and try again.`;
  if (err.code === 'network') return 'Parley could not be reached. Try again.';
  // invalid_input names the field first ("displayName: must not …"): the field is beside it already.
  const text = err.code === 'invalid_input' ? err.message.replace(/^\w+: /, '') : err.message;
  return text.charAt(0).toUpperCase() + text.slice(1) + (text.endsWith('.') ? '' : '.');
}
