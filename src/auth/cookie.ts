import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * The session cookie. HttpOnly keeps scripts from reading the token;
 * SameSite=Lax keeps other sites' forms and fetches from sending it.
 * Over https it is also Secure and takes the `__Host-` prefix, which makes
 * browsers refuse it unless it is Secure, host-only and on path `/`.
 */
type CookieOptions = { secure: boolean };

export function sessionCookieName({ secure }: CookieOptions): string {
  return secure ? '__Host-parley_session' : 'parley_session';
}

export function readSessionCookie(c: Context, options: CookieOptions): string | undefined {
  return getCookie(c, sessionCookieName(options));
}

export function setSessionCookie(c: Context, token: string, expiresAt: Date, options: CookieOptions): void {
  setCookie(c, sessionCookieName(options), token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: options.secure,
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context, options: CookieOptions): void {
  deleteCookie(c, sessionCookieName(options), {
    httpOnly: true,
    sameSite: 'Lax',
    secure: options.secure,
    path: '/',
  });
}
