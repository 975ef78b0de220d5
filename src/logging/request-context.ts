import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The request a piece of work belongs to. Everything a request's handlers do, down to a
 * rejected promise's log line, runs inside `withRequestId`, and the logger stamps each
 * line written meanwhile with the id (src/logging/logger.ts), so one `grep` on an id finds
 * every line of that request, in Parley's log and, when the proxy made the id, in the proxy's.
 */
const current = new AsyncLocalStorage<string>();

export const withRequestId = <T>(id: string, work: () => T): T => current.run(id, work);

export const currentRequestId = (): string | undefined => current.getStore();

// What an id passed in may look like: a UUID, a hex string, nginx's $request_id, most
// tracing formats. Anything else is replaced rather than written into the logs.
const ACCEPTABLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The proxy's id when it sent an acceptable one and proxies are trusted; a new one otherwise. */
export function requestIdFor(passedIn: string | undefined, trustProxy: boolean): string {
  if (trustProxy && passedIn !== undefined && ACCEPTABLE.test(passedIn)) return passedIn;
  return randomUUID();
}
