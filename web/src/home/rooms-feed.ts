import { signal } from '@preact/signals';
import { get } from '../lib/api.js';
import type { Room } from '../lib/types.js';

const REFRESH_MS = 4000;
// After a failed refresh: 1 s, 2 s, 4 s … up to 30 s, so an outage is not hammered.
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * The room list with live member counts, polled while Home is shown (a hidden
 * tab does not poll, except to find out that an outage is over). `failing` is
 * true while the list cannot be fetched: an empty list would say "no rooms",
 * and the truth is that we do not know.
 */
export class RoomsFeed {
  readonly rooms = signal<readonly Room[] | undefined>(undefined);
  readonly failing = signal(false);
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  start(): void {
    this.stopped = false;
    void this.refresh();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async refresh() {
    clearTimeout(this.timer);
    try {
      this.rooms.value = (await get<{ rooms: Room[] }>('/api/rooms')).rooms;
      this.failures = 0;
      this.failing.value = false;
    } catch {
      this.failures += 1;
      this.failing.value = true;
    }
    if (this.stopped) return;
    const delay = this.failures > 0 ? Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1)) : REFRESH_MS;
    const tick = () => {
      if (this.stopped) return;
      if (document.visibilityState === 'visible' || this.failures > 0) void this.refresh();
      else this.timer = setTimeout(tick, REFRESH_MS);
    };
    clearTimeout(this.timer);
    this.timer = setTimeout(tick, delay);
  }
}
