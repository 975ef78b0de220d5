import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per log record on stdout. Request logs carry method, path,
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
      // A second line of defence should anyone ever log a request or a user row.
      redact: {
        paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'token', '*.token', 'cookie', '*.cookie', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination as never,
  );
}
