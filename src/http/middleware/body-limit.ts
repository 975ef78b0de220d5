import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors.js';

/**
 * Refuses bodies over `maxBytes` with 413 `payload_too_large`: at once when
 * Content-Length says so, otherwise (chunked) as soon as the streamed body
 * passes the limit, so an oversize body is never read whole.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const limit = honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      // `Connection: close`: the unread rest of the body is still on the connection, and the
      // server closes it after this answer. Advertised as keep-alive, a client would send its
      // next request on that connection and lose it ("other side closed").
      throw new ApiError(413, 'payload_too_large', `Request bodies are limited to ${Math.floor(maxBytes / 1024)} KiB.`, {
        Connection: 'close',
      });
    },
  });
  return async function bodyLimit(c, next) {
    // Parley reads no body on GET or HEAD.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (!c.req.header('transfer-encoding')) {
      // A declared length is checked from the header alone. Hono's own middleware would
      // look at the body stream here, which makes the Node adapter build a full fetch
      // Request for every POST instead of reading the body on its fast path.
      if (length !== undefined && Number(length) > maxBytes) return limit(c, next);
      return next();
    }
    return limit(c, next);
  };
}
