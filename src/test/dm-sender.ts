import type { Socket } from 'socket.io-client';

/** Resolves once the socket is connected (at once if it is). */
export const connected = (s: Socket) => new Promise<void>((resolve) => (s.connected ? resolve() : s.once('connect', () => resolve())));

/**
 * A script sending numbered direct messages the way a careful client does: each one is sent
 * again, with the same clientId, until it is acked (a lost connection, or no ack in time).
 * Sends `count` messages, or until stopped.
 */
export function retryingDmSender(socket: Socket, to: string, tag: string, options: { count?: number; ackTimeoutMs: number; pauseMs: number }) {
  const acked = new Map<string, number>();
  // How many sends failed, by the ack's error code ("unavailable" while Redis or MySQL is away),
  // or "no ack" (disconnected, or no answer in time).
  const refused = new Map<string, number>();
  let stopped = false;
  let retries = 0;
  let sent = 0;
  const done = (async () => {
    for (let i = 0; !stopped && i < (options.count ?? Infinity); i++) {
      const clientId = `${tag}-${i}`;
      for (;;) {
        await connected(socket);
        sent += 1;
        try {
          const ack = await socket.timeout(options.ackTimeoutMs).emitWithAck('dm:send', { to, body: `message ${i} from ${tag}`, clientId });
          if (ack?.ok) {
            acked.set(clientId, ack.message.id);
            break;
          }
          const code = String(ack?.error?.code);
          refused.set(code, (refused.get(code) ?? 0) + 1);
        } catch {
          // Disconnected with the message in flight, or no ack in time: send it again.
          refused.set('no ack', (refused.get('no ack') ?? 0) + 1);
        }
        retries += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  })();
  return { acked, refused, done, stop: () => (stopped = true), retries: () => retries, sent: () => sent };
}
