import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * Browser hardening for every response. The CSP allows only this origin's
 * own scripts, styles and connections (the web client is bundled, with no
 * inline script), plus blob: media for call audio; nothing may frame Parley.
 */
export function securityHeaders(options: { secure: boolean }): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      mediaSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    referrerPolicy: 'same-origin',
    strictTransportSecurity: options.secure ? 'max-age=31536000; includeSubDomains' : false,
    permissionsPolicy: { microphone: ['self'], camera: [], geolocation: [] },
  });
}
