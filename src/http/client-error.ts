import { Socket } from 'node:net';
import { RequestError } from '@hono/node-server';
import type { Duplex } from 'node:stream';

/**
 * Answers requests Node's HTTP parser refuses before the app sees them (bytes
 * not allowed in a request line or header, such as invalid UTF-8 or control
 * characters; conflicting Content-Length headers; headers over the size limit;
 * a request that took too long to arrive) in the API's error shape. Without a
 * `clientError` listener Node writes a bare status line with no body. Like Node's own handler, it writes nothing
 * once a response on this connection has started, and always closes it.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, security: Record<string, string> = {}): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent && err.code !== 'ECONNRESET') {
    const [status, reason, code, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'payload_too_large', 'The request headers are too large.']
        : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? [413, 'Payload Too Large', 'payload_too_large', 'The chunk extensions are too large.']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout', 'request_timeout', 'The request took too long to arrive.']
            : [400, 'Bad Request', 'invalid_input', 'The request is not well-formed HTTP.'];
    const body = JSON.stringify({ error: { code, message } });
    // The same security headers as every other answer (the app's middleware never sees this one).
    const extra = Object.entries(security)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\n${extra}Connection: close\r\n\r\n${body}`,
    );
  }
  // Closes once what was written has been flushed.
  if (socket instanceof Socket) socket.destroySoon();
  else socket.destroy();
}

/**
 * The Node adapter's `errorHandler`: a request whose target or Host header
 * cannot be made into a URL (`GET *`, `Host: \xff`, a backslash in the path)
 * is refused before Hono sees it, by default with a bare 400. This answers it
 * in the error shape. Hono's own fetch never rejects (its error handler
 * answers), so anything else here is unexpected and a 500 as usual.
 */
export function answerRequestError(err: unknown, security: Record<string, string> = {}): Response {
  const bad = err instanceof RequestError;
  const body = bad
    ? { error: { code: 'invalid_input', message: 'The request target or Host header is not valid.' } }
    : { error: { code: 'internal_error', message: 'Something went wrong on our side.' } };
  return Response.json(body, { status: bad ? 400 : 500, headers: { ...security, 'Cache-Control': 'no-store' } });
}
