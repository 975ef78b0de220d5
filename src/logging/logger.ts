import { pino, type Logger } from 'pino';
import { currentRequestId } from './request-context.js';

export type { Logger };

/**
 * One JSON line per log record on stdout. Request logs carry the request id, method, path,
 * status and duration only: never bodies, cookies or tokens, so nothing
 * secret can reach a log file.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'parley' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line written while a request is handled names it (src/logging/request-context.ts).
      mixin: () => {
        const reqId = currentRequestId();
        return reqId === undefined ? {} : { reqId };
      },
      // A second line of defence should anyone ever log a request or a user row.
      redact: {
        paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'token', '*.token', 'cookie', '*.cookie', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination as never,
  );
}
