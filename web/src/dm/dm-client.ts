import { io, type Socket } from 'socket.io-client';
import type { DirectMessage, DmAck } from '../lib/types.js';

/**
 * The page's one connection to the `/dm` namespace, opened after sign-in and
 * closed at sign-out. Screens subscribe to its events while they are shown.
 * Socket.IO reconnects by itself; on each (re)connection the `connected`
 * event lets screens fetch what they may have missed.
 */
type Events = {
  message: DirectMessage;
  read: { by: string; with: string; upTo: number };
  typing: { from: string };
  presence: { username: string; online: boolean };
  connected: void;
  disconnected: void;
};

type Handler<K extends keyof Events> = (data: Events[K]) => void;

export class DmClient {
  private readonly socket: Socket;
  private readonly handlers = new Map<keyof Events, Set<Handler<any>>>();

  constructor() {
    this.socket = io('/dm', { path: '/socket.io/', transports: ['websocket', 'polling'], withCredentials: true });
    this.socket.on('connect', () => this.emit('connected', undefined));
    this.socket.on('disconnect', () => this.emit('disconnected', undefined));
    this.socket.on('dm:message', (m: DirectMessage) => this.emit('message', m));
    this.socket.on('dm:read', (r: Events['read']) => this.emit('read', r));
    this.socket.on('dm:typing', (t: Events['typing']) => this.emit('typing', t));
    this.socket.on('presence', (p: Events['presence']) => this.emit('presence', p));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  on<K extends keyof Events>(event: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  private emit<K extends keyof Events>(event: K, data: Events[K]) {
    for (const h of this.handlers.get(event) ?? []) h(data);
  }

  /** Sends a message; resolves with the ack, or `unavailable` when no ack comes within 10 s. */
  send(to: string, body: string, clientId: string): Promise<DmAck<{ message: DirectMessage }>> {
    return new Promise((resolve) => {
      if (!this.socket.connected) {
        resolve({ ok: false, error: { code: 'unavailable', message: 'Not connected.' } });
        return;
      }
      this.socket.timeout(10_000).emit('dm:send', { to, body, clientId }, (err: Error | null, ack: DmAck<{ message: DirectMessage }>) => {
        resolve(err ? { ok: false, error: { code: 'unavailable', message: 'No answer from the server.' } } : ack);
      });
    });
  }

  read(withUser: string, upTo: number): void {
    this.socket.emit('dm:read', { with: withUser, upTo }, () => {});
  }

  typing(to: string): void {
    this.socket.emit('dm:typing', { to });
  }

  close(): void {
    this.socket.disconnect();
    this.handlers.clear();
  }
}

/** A new clientId: kept with a pending message and reused by its retries. */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
