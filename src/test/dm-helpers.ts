import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { DmServerEvent, DmServerPayload } from '../dm/events.js';
import { startTestCluster, type TestServer } from './harness.js';
import type { Person } from './rooms-helpers.js';

/** A browser tab's /dm socket for `p`, with its cookie and the test origin. */
export function dmSocket(p: Person, options: { origin?: string | null; cookie?: boolean } = {}): Socket {
  const headers: Record<string, string> = {};
  const origin = options.origin === undefined ? p.server.config.origin : options.origin;
  if (origin) headers.origin = origin;
  if (options.cookie !== false) headers.cookie = [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return connect(`${p.server.baseUrl}/dm`, {
    transports: ['websocket'],
    extraHeaders: headers,
    reconnection: false,
    forceNew: true,
  });
}

/** Resolves once connected, rejects with the server's refusal message. */
export function connected(socket: Socket): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve(socket);
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

export function emitAck<T = any>(socket: Socket, event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/**
 * Collects every occurrence of `event` on `socket`; `next()` waits for the next one that matches.
 * A `/dm` server event's payload is typed from the event map; anything else is what the test says.
 */
export function collect<E extends DmServerEvent>(socket: Socket, event: E): Collected<DmServerPayload<E>>;
export function collect<T = any>(socket: Socket, event: string): Collected<T>;
export function collect<T>(socket: Socket, event: string): Collected<T> {
  const seen: T[] = [];
  let waiters: Array<() => void> = [];
  socket.on(event, (data: T) => {
    seen.push(data);
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
  let cursor = 0;
  return {
    seen,
    async next(match: (d: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < seen.length) {
          const d = seen[cursor++]!;
          if (match(d)) return d;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${event} arrived; saw ${JSON.stringify(seen)}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
  };
}

/**
 * Two processes of one deployment for a test file (started once, with `env`), and `/dm`
 * sockets opened through `open` or `track`, which are closed after each test.
 */
type Collected<T> = { seen: T[]; next(match?: (d: T) => boolean, timeoutMs?: number): Promise<T> };

export function useTwoProcesses(env: Record<string, string> = {}) {
  const sockets: Socket[] = [];
  const procs = {
    a: undefined as unknown as TestServer,
    b: undefined as unknown as TestServer,
    track(socket: Socket): Socket {
      sockets.push(socket);
      return socket;
    },
    open: (p: Person) => connected(procs.track(dmSocket(p))),
  };
  beforeAll(async () => {
    [procs.a, procs.b] = (await startTestCluster(2, env)) as [TestServer, TestServer];
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    await procs.a?.stop();
    await procs.b?.stop();
  });
  return procs;
}
