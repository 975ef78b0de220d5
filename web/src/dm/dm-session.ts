import { batch, computed, signal } from '@preact/signals';
import { countsUnread } from '../calls/call-words.js';
import { get } from '../lib/api.js';
import type { Conversation, DirectMessage, User } from '../lib/types.js';
import { DmClient, type DmStatus } from './dm-client.js';

/**
 * Direct messages for the whole signed-in time, DOM-free: the one DmClient
 * (socket, reconnection, resends), the conversations with their unread
 * counts, and who is online, as signals. The shell owns it from sign-in to
 * sign-out, so the header, the title and the alerts know about a new message
 * whatever screen is shown; screens read it and send intents through `client`.
 */
export class DmSession {
  readonly client: DmClient;
  readonly status = signal<DmStatus>('connecting');
  /** Newest first. */
  readonly conversations = signal<readonly Conversation[]>([]);
  /** True while the conversations could not be fetched; they are fetched again with a growing wait. */
  readonly unreachable = signal(false);
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Presence of everyone this page has heard about (conversations and live events). */
  readonly online = signal<ReadonlyMap<string, boolean>>(new Map());
  readonly unreadByPerson = computed(() => new Map(this.conversations.value.map((c) => [c.with.username, c.unread])));
  readonly unreadTotal = computed(() => this.conversations.value.reduce((n, c) => n + c.unread, 0));
  /**
   * The conversation the DM screen shows, if any. Messages in it are read
   * there, so they do not count as unread while the page is visible.
   */
  readonly openThread = signal<string | undefined>(undefined);
  private readonly incoming = new Set<(m: DirectMessage, sender: Conversation['with'] | undefined) => void>();
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  /**
   * Messages and my read markers that arrived while the list was being fetched. The answer may
   * have been read from the database before they were stored; it must not undo them.
   */
  private arrivals: Arrival[] | undefined;

  constructor(
    readonly me: User,
    onSessionEnded: () => void,
  ) {
    this.client = new DmClient(onSessionEnded);
    this.client.on('status', (s) => (this.status.value = s));
    // What arrived or changed while disconnected is never announced: ask again on each connection.
    this.client.on('connected', () => void this.reload());
    this.client.on('message', (m) => this.onMessage(m));
    this.client.on('read', (r) => {
      // Read in one of my tabs (this one included): nothing of that person is unread any more.
      if (r.by !== me.username) return;
      this.arrivals?.push({ read: r });
      this.update(r.with, (c) => ({ ...c, unread: 0 }));
    });
    this.client.on('presence', (p) => {
      const next = new Map(this.online.value);
      next.set(p.username, p.online);
      batch(() => {
        this.online.value = next;
        this.update(p.username, (c) => ({ ...c, with: { ...c.with, online: p.online } }));
      });
    });
    void this.reload();
  }

  /** A message from someone else (not from another tab of mine): for sounds, notifications and toasts. */
  onIncoming(handler: (m: DirectMessage, sender: Conversation['with'] | undefined) => void): () => void {
    this.incoming.add(handler);
    return () => this.incoming.delete(handler);
  }

  /** Fetches the conversations; calls made while one is under way make one more afterwards. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.reloadAgain = false;
        const arrivals: Arrival[] = [];
        this.arrivals = arrivals;
        try {
          const fetched = (await get<{ conversations: Conversation[] }>('/api/dm/conversations')).conversations;
          const list = withArrivals(fetched, arrivals, this.me.username);
          const open = this.openThread.value;
          batch(() => {
            this.conversations.value = list.map((c) => (c.with.username === open && visible() ? { ...c, unread: 0 } : c));
            const next = new Map(this.online.value);
            for (const c of list) next.set(c.with.username, c.with.online);
            this.online.value = next;
          });
          this.failures = 0;
          this.unreachable.value = false;
        } catch {
          // Kept as it was; asked again after 1, 2, 4 … 30 s (and on the next connection or message).
          this.failures += 1;
          this.unreachable.value = true;
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => void this.reload(), Math.min(30_000, 1000 * 2 ** (this.failures - 1)));
        }
      } while (this.reloadAgain);
      this.arrivals = undefined;
      this.loading = undefined;
    })();
    return this.loading;
  }

  private onMessage(m: DirectMessage) {
    const mine = m.from === this.me.username;
    const partner = mine ? m.to : m.from;
    const known = this.conversations.value.find((c) => c.with.username === partner);
    const readHere = partner === this.openThread.value && visible();
    this.arrivals?.push({ message: m, readHere });
    if (!known) {
      // A new conversation: its person (display name, presence) comes from the server.
      void this.reload().then(() => !mine && this.tellIncoming(m));
      return;
    }
    this.conversations.value = [
      {
        ...known,
        lastMessage: m.id > known.lastMessage.id ? m : known.lastMessage,
        unread: !mine && !readHere && countsUnread(m) ? known.unread + 1 : known.unread,
      },
      ...this.conversations.value.filter((c) => c !== known),
    ];
    if (!mine) this.tellIncoming(m);
  }

  private tellIncoming(m: DirectMessage) {
    const sender = this.conversations.value.find((c) => c.with.username === m.from)?.with;
    for (const handler of this.incoming) handler(m, sender);
  }

  private update(username: string, change: (c: Conversation) => Conversation) {
    const list = this.conversations.value;
    const i = list.findIndex((c) => c.with.username === username);
    if (i < 0) return;
    const next = [...list];
    next[i] = change(list[i]!);
    this.conversations.value = next;
  }

  close(): void {
    clearTimeout(this.retryTimer);
    this.client.close();
    this.incoming.clear();
  }
}

const visible = () => document.visibilityState === 'visible';

type Arrival = { message: DirectMessage; readHere: boolean } | { read: { with: string; upTo: number } };

/**
 * The fetched conversations with what arrived during the fetch laid over them, in the order it
 * arrived. A message the answer already holds (its conversation's last message is as new) is not
 * counted again; a read marker counts only when it covers the answer's last message.
 */
function withArrivals(list: readonly Conversation[], arrivals: readonly Arrival[], me: string): Conversation[] {
  let next = [...list];
  for (const a of arrivals) {
    if ('read' in a) {
      next = next.map((c) => (c.with.username === a.read.with && c.lastMessage.id <= a.read.upTo ? { ...c, unread: 0 } : c));
      continue;
    }
    const m = a.message;
    const mine = m.from === me;
    const known = next.find((c) => c.with.username === (mine ? m.to : m.from));
    // A conversation the answer does not have is asked for again by onMessage.
    if (!known || known.lastMessage.id >= m.id) continue;
    const unread = !mine && !a.readHere ? known.unread + 1 : known.unread;
    next = [{ ...known, lastMessage: m, unread }, ...next.filter((c) => c !== known)];
  }
  return next;
}
