import { signal } from '@preact/signals';
import type { Room } from '../lib/types.js';

// After the server refuses the stream (503, 429…), which EventSource does not retry by
// itself: 1 s, 2 s, 4 s … up to 30 s, so an outage is not hammered.
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/** Newest first, as `GET /api/rooms` lists them. */
const newestFirst = (a: Room, b: Room) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);

/**
 * The room list with live member counts, pushed by the lobby stream
 * (`GET /api/lobby/events`): a `rooms` snapshot first, and again after every
 * reconnection, then each room created, updated or deleted anywhere. `failing`
 * is true while the stream is down: an empty list would say "no rooms", and
 * the truth is that we do not know.
 */
export class RoomsFeed {
  readonly rooms = signal<readonly Room[] | undefined>(undefined);
  readonly failing = signal(false);
  private failures = 0;
  private stream: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stream?.close();
    this.stream = undefined;
  }

  private connect() {
    clearTimeout(this.timer);
    this.stream?.close();
    const es = new EventSource('/api/lobby/events');
    this.stream = es;
    const on = <T>(type: string, handle: (data: T) => void) =>
      es.addEventListener(type, (e) => {
        if (this.stream !== es) return;
        try {
          handle(JSON.parse((e as MessageEvent).data) as T);
        } catch (err) {
          console.warn('parley: bad lobby event', type, err);
        }
      });
    on<{ rooms: Room[] }>('rooms', ({ rooms }) => {
      // The whole list, as it is now: after a reconnection it replaces whatever we had.
      this.rooms.value = rooms;
      this.failures = 0;
      this.failing.value = false;
    });
    on<{ room: Room }>('room-created', ({ room }) => this.put(room));
    on<{ room: Room }>('room-updated', ({ room }) => this.put(room));
    on<{ name: string }>('room-deleted', ({ name }) => {
      const rooms = this.rooms.value;
      if (rooms) this.rooms.value = rooms.filter((r) => r.name !== name);
    });
    es.onerror = () => {
      if (this.stopped || this.stream !== es) return;
      // Until the next snapshot the list may be out of date: say so rather than show it.
      this.failing.value = true;
      if (es.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
      es.close();
      this.failures += 1;
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
      this.timer = setTimeout(() => !this.stopped && this.connect(), delay);
    };
  }

  private put(room: Room) {
    const rooms = this.rooms.value;
    if (!rooms) return;
    const at = rooms.findIndex((r) => r.name === room.name);
    this.rooms.value = at >= 0 ? rooms.map((r, i) => (i === at ? room : r)) : [...rooms, room].sort(newestFirst);
  }
}
