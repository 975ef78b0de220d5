/**
 * Origin checks shared by the HTTP CSRF middleware and the `/dm` Socket.IO
 * handshake, so both accept and refuse exactly the same requests.
 *
 * Origins are compared in their serialised form (RFC 6454 §6.1): scheme and
 * host lower-cased, the scheme's default port dropped. `http://LOCALHOST:3000`
 * and `http://localhost:3000/` are the same origin as `http://localhost:3000`.
 */

/** The serialised origin of `value`, or undefined when it is not an http(s) origin. */
export function serializeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // An origin names a site, nothing inside it: a trailing "/" is tolerated (some clients add
  // one), but credentials, a path, a query or a fragment mean this is not an origin.
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || /[?#]/.test(value)) return undefined;
  return url.origin;
}

type OriginVerdict = 'same' | 'foreign' | 'duplicate';

/**
 * Judges a request's `Origin` against the server's own. Node joins repeated
 * headers with ", ", and a serialised origin never contains a comma, so a
 * comma means the client sent Origin more than once; that is answered
 * apart, since "forbidden" would tell such a client nothing it can act on.
 * `Sec-Fetch-Site: same-origin` (set by browsers only, never by a page)
 * covers the app reached under another host name.
 */
export function judgeOrigin(origin: string | undefined, secFetchSite: string | undefined, own: string): OriginVerdict {
  if (origin?.includes(',')) return 'duplicate';
  if (origin !== undefined && serializeOrigin(origin) === serializeOrigin(own) && serializeOrigin(own) !== undefined) return 'same';
  if (secFetchSite === 'same-origin') return 'same';
  return 'foreign';
}

export const ORIGIN_REFUSALS = {
  foreign: { code: 'forbidden_origin', message: 'Cross-site requests are not allowed.' },
  duplicate: {
    code: 'duplicate_origin',
    message: "The request carried more than one Origin header; send exactly one, with the server's origin.",
  },
} as const;
