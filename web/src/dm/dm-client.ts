import { io, type Socket } from 'socket.io-client';
import type { DmAckedEvent, DmAckOf, DmClientToServerEvents, DmPayloadOf, DmServerPayload, DmServerToClientEvents, SendAck } from '../../../src/dm/events.js';
import { ApiError, get } from '../lib/api.js';
import type { DmAck } from '../lib/types.js';

/**
 * The page's one connection to the `/dm` namespace, opened after sign-in and
 * closed at sign-out. Screens subscribe to its events while they are shown.
 * It reconnects after any disconnection while the session is valid; on each
 * (re)connection the `connected` event lets screens fetch what they may have
 * missed, and `status` says whether it is connected or reconnecting.
 */
export type DmStatus = 'connecting' | 'connected' | 'reconnecting';

/** What screens subscribe to: the server's events (payloads from the shared event map) and the connection's. */
type Events = {
  message: DmServerPayload<'dm:message'>;
  read: DmServerPayload<'dm:read'>;
  typing: DmServerPayload<'dm:typing'>;
  presence: DmServerPayload<'presence'>;
  'call:incoming': DmServerPayload<'call:incoming'>;
  'call:accepted': DmServerPayload<'call:accepted'>;
  'call:ended': DmServerPayload<'call:ended'>;
  connected: undefined;
  disconnected: undefined;
  status: DmStatus;
};

type Handler<K extends keyof Events> = (data: Events[K]) => void;
type CallIntent = Exclude<DmAckedEvent, 'dm:send' | 'dm:read'>;

const NO_ANSWER_MS = 10_000;
// How long a message waits for the connection to come back before it is shown as not sent.
const SEND_GIVE_UP_MS = 60_000;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

const unavailable = (message: string): DmAck<never> => ({ ok: false, error: { code: 'unavailable', message } });

export class DmClient {
  private readonly socket: Socket<DmServerToClientEvents, DmClientToServerEvents>;
  // Each event's set holds only that event's handlers (see on); `never` lets any of them in.
  private readonly handlers = new Map<keyof Events, Set<(data: never) => void>>();
  private readonly waiting = new Set<(connected: boolean) => void>();
  private state: DmStatus = 'connecting';
  private closed = false;
  private attempts = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;

  /** `onSessionEnded` is called when the server refuses the socket and the session turns out to be gone. */
  constructor(private readonly onSessionEnded: () => void) {
    this.socket = io('/dm', { path: '/socket.io/', transports: ['websocket', 'polling'], withCredentials: true });
    this.socket.on('connect', () => {
      this.attempts = 0;
      this.setStatus('connected');
      this.emit('connected', undefined);
      for (const wake of [...this.waiting]) wake(true);
    });
    this.socket.on('disconnect', () => {
      this.setStatus('reconnecting');
      this.emit('disconnected', undefined);
      this.recoverIfAbandoned();
    });
    this.socket.on('connect_error', () => {
      this.setStatus('reconnecting');
      this.recoverIfAbandoned();
    });
    this.socket.on('dm:message', (m) => this.emit('message', m));
    this.socket.on('dm:read', (r) => this.emit('read', r));
    this.socket.on('dm:typing', (t) => this.emit('typing', t));
    this.socket.on('presence', (p) => this.emit('presence', p));
    for (const name of ['call:incoming', 'call:accepted', 'call:ended'] as const) this.socket.on(name, (d: Events[typeof name]) => this.emit(name, d));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  get status(): DmStatus {
    return this.state;
  }

  on<K extends keyof Events>(event: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  private emit<K extends keyof Events>(event: K, data: Events[K]) {
    for (const h of this.handlers.get(event) ?? []) (h as Handler<K>)(data);
  }

  private setStatus(status: DmStatus) {
    if (this.closed || this.state === status) return;
    this.state = status;
    this.emit('status', status);
  }

  /**
   * Socket.IO reconnects by itself after a lost connection, but not after the
   * server disconnected the socket or refused its handshake (`active` is then
   * false). Those happen when the session ended, and also for passing reasons
   * (a server that could not check the session). The session decides: gone
   * (401) signs the page out; otherwise the socket connects again, backing off.
   */
  private recoverIfAbandoned() {
    if (this.closed || this.socket.active || this.retry) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.attempts) * (0.5 + Math.random());
    this.attempts += 1;
    this.retry = setTimeout(() => void this.recover(), delay);
  }

  private async recover() {
    try {
      await get('/api/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.retry = undefined;
        if (!this.closed) this.onSessionEnded();
        return;
      }
      // Unreachable or failing: connect anyway; a failure schedules the next attempt.
    }
    this.retry = undefined;
    if (!this.closed && !this.socket.active) this.socket.connect();
  }

  /** Resolves true once connected; false if the client closes or `deadline` passes first. */
  private whenConnected(deadline: number): Promise<boolean> {
    if (this.socket.connected) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (connected: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(connected);
      };
      const timer = setTimeout(() => wake(false), Math.max(0, deadline - Date.now()));
      this.waiting.add(wake);
    });
  }

  /**
   * Sends a message and resolves with its ack. A message sent while the
   * connection is down, or in flight when it drops, is sent again (same
   * clientId, so it is stored once) as soon as the socket is back. It is
   * `unavailable` when a live connection gives no answer within 10 s, or the
   * connection does not come back within a minute.
   */
  async send(to: string, body: string, clientId: string): Promise<SendAck> {
    const deadline = Date.now() + SEND_GIVE_UP_MS;
    for (;;) {
      if (!(await this.whenConnected(deadline))) return unavailable('Parley cannot be reached.');
      try {
        return await this.socket.timeout(NO_ANSWER_MS).emitWithAck('dm:send', { to, body, clientId });
      } catch {
        // The connection dropped with the message in flight: wait for it and send again.
        if (this.socket.connected) return unavailable('No answer from the server.');
      }
    }
  }

  read(withUser: string, upTo: number): void {
    this.socket.emit('dm:read', { with: withUser, upTo }, () => {});
  }

  typing(to: string): void {
    this.socket.emit('dm:typing', { to });
  }

  /**
   * A call intent (`call:ring`, `call:accept`…). Unlike a message it is not kept for later: a
   * ring sent after the connection came back would surprise both people. So it is
   * `unavailable` at once while disconnected, or when no answer comes within 10 s.
   */
  async callIntent<E extends CallIntent>(event: E, data: DmPayloadOf<E>): Promise<DmAckOf<E>> {
    if (!this.socket.connected) return unavailable('Not connected to Parley.');
    try {
      // `emitWithAck` cannot tie a generic event name to its payload; this method's signature does.
      const socket = this.socket.timeout(NO_ANSWER_MS) as unknown as { emitWithAck(event: E, data: DmPayloadOf<E>): Promise<DmAckOf<E>> };
      return await socket.emitWithAck(event, data);
    } catch {
      return unavailable('No answer from the server.');
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    for (const wake of [...this.waiting]) wake(false);
    this.socket.disconnect();
    this.handlers.clear();
  }
}

/** A new clientId: kept with a pending message and reused by its retries. */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
