import { signal } from '@preact/signals';
import { get } from '../lib/api.js';
import type { DirectMessage, DmAck, User } from '../lib/types.js';
import { newClientId } from './dm-client.js';
import type { DmSession } from './dm-session.js';

export type Entry = {
  clientId: string;
  message?: DirectMessage;
  body: string;
  status: 'pending' | 'sent' | 'failed';
  error?: string;
};

/** What changed last, so the view knows whether to keep its place ("older") or follow the newest message. */
type Change = { kind: 'history' | 'older' | 'theirs' | 'mine'; n: number };

const TYPING_SHOW_MS = 4000;
const TYPING_SEND_EVERY_MS = 2000;

/**
 * One conversation, DOM-free: its history ("older" pages), pending → sent →
 * "Seen" states, "Retry" for a failed send (same clientId, so it is stored
 * once), the typing indicator and read receipts. Every tab receives every
 * dm:message and dm:read, so all of a user's tabs stay in step. Made when a
 * thread opens and disposed when it closes.
 */
export class ThreadModel {
  /** Ordered by id; messages not yet stored (no id) last. */
  readonly entries = signal<readonly Entry[]>([]);
  readonly seenUpTo = signal(0);
  readonly hasMore = signal(false);
  readonly typing = signal(false);
  readonly loadError = signal('');
  readonly lastChange = signal<Change>({ kind: 'history', n: 0 });
  private oldestId: number | undefined;
  private pagedBack = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTypingSent = 0;
  private readonly offs: Array<() => void> = [];

  constructor(
    readonly other: string,
    private readonly me: User,
    private readonly session: DmSession,
    private readonly onNotSent: () => void,
  ) {
    const dm = session.client;
    this.offs.push(
      dm.on('message', (m) => {
        const partner = m.from === me.username ? m.to : m.from;
        if (partner !== other) return;
        this.accept([m], m.from === me.username ? 'mine' : 'theirs');
        if (m.from === other) {
          this.typing.value = false;
          this.markRead();
        }
      }),
      dm.on('read', (r) => {
        // The other person read up to here: "Seen" under my messages up to it.
        if (r.by === other && r.with === me.username) this.seenUpTo.value = Math.max(this.seenUpTo.value, r.upTo);
      }),
      dm.on('typing', (t) => {
        if (t.from !== other) return;
        this.typing.value = true;
        clearTimeout(this.typingTimer);
        this.typingTimer = setTimeout(() => (this.typing.value = false), TYPING_SHOW_MS);
      }),
      // After a reconnection, fetch what may have arrived meanwhile.
      dm.on('connected', () => void this.load().catch(() => {})),
    );
    session.openThread.value = other;
  }

  /** The newest page, or the page before `before`. */
  async load(before?: number): Promise<void> {
    const q = new URLSearchParams({ limit: '50', ...(before ? { before: String(before) } : {}) });
    const page = await get<{ messages: DirectMessage[]; hasMore: boolean; theirReadUpTo?: number | null }>(
      `/api/dm/${encodeURIComponent(this.other)}/messages?${q}`,
    );
    // Their read marker as stored: "Seen" after a reload and in a new tab.
    if (typeof page.theirReadUpTo === 'number') this.seenUpTo.value = Math.max(this.seenUpTo.value, page.theirReadUpTo);
    if (page.messages[0]) this.oldestId = Math.min(this.oldestId ?? Infinity, page.messages[0].id);
    // The newest page (again, after a reconnection) says nothing about what lies before older pages.
    if (before || !this.pagedBack) this.hasMore.value = page.hasMore;
    if (before) this.pagedBack = true;
    this.loadError.value = '';
    this.accept(page.messages, before ? 'older' : 'history');
    if (!before) this.markRead();
  }

  loadOlder(): void {
    if (this.oldestId) void this.load(this.oldestId).catch(() => {});
  }

  /** A new message from the composer; false (and nothing sent) when it is empty. */
  send(text: string): boolean {
    const body = text.trim();
    if (!body) return false;
    const entry: Entry = { clientId: newClientId(), body, status: 'pending' };
    this.entries.value = [...this.entries.value, entry];
    this.changed('mine');
    void this.deliver(entry);
    return true;
  }

  retry(entry: Entry): void {
    void this.deliver(entry);
  }

  /** Tells the other person I am typing, at most every 2 s. */
  typed(text: string): void {
    if (!text.trim() || Date.now() - this.lastTypingSent < TYPING_SEND_EVERY_MS) return;
    this.lastTypingSent = Date.now();
    this.session.client.typing(this.other);
  }

  markRead(): void {
    if (document.visibilityState !== 'visible') return;
    const last = this.entries.value.reduce((max, e) => (e.message && e.message.from === this.other ? Math.max(max, e.message.id) : max), 0);
    if (last > 0) this.session.client.read(this.other, last);
  }

  dispose(): void {
    for (const off of this.offs) off();
    clearTimeout(this.typingTimer);
    if (this.session.openThread.peek() === this.other) this.session.openThread.value = undefined;
  }

  private async deliver(entry: Entry) {
    this.replace(entry.clientId, { ...entry, status: 'pending', error: undefined });
    const ack = await this.session.client.send(this.other, entry.body, entry.clientId);
    if (ack.ok) {
      this.accept([ack.message], 'mine');
      return;
    }
    this.replace(entry.clientId, { ...entry, status: 'failed', error: this.notSentWords(ack) });
    this.onNotSent();
  }

  private notSentWords(ack: Extract<DmAck<unknown>, { ok: false }>): string {
    switch (ack.error.code) {
      case 'blocked':
        return 'this person does not accept your messages.';
      case 'rate_limited':
        return 'you are sending too fast.';
      case 'unknown_user':
        return 'there is no such user.';
      case 'unavailable':
        return this.session.client.connected ? 'Parley could not store it.' : 'Parley cannot be reached.';
      default:
        return ack.error.message;
    }
  }

  /** Puts stored messages in their place; my own replaces its pending entry (same clientId). */
  private accept(messages: readonly DirectMessage[], kind: Change['kind']) {
    let list = this.entries.value;
    let added = false;
    for (const m of messages) {
      if (list.some((e) => e.message?.id === m.id)) continue;
      const mine = m.from === this.me.username;
      const rest = mine ? list.filter((e) => e.message || e.clientId !== m.clientId) : list;
      const stored = rest.filter((e) => e.message);
      const waiting = rest.filter((e) => !e.message);
      const at = stored.findIndex((e) => e.message!.id > m.id);
      stored.splice(at < 0 ? stored.length : at, 0, { clientId: m.clientId, message: m, body: m.body, status: 'sent' });
      list = [...stored, ...waiting];
      added = true;
    }
    if (!added && kind !== 'history') return;
    this.entries.value = list;
    this.changed(kind);
  }

  private replace(clientId: string, entry: Entry) {
    this.entries.value = this.entries.value.map((e) => (!e.message && e.clientId === clientId ? entry : e));
  }

  private changed(kind: Change['kind']) {
    this.lastChange.value = { kind, n: this.lastChange.peek().n + 1 };
  }
}
