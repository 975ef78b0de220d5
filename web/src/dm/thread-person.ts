import { signal } from '@preact/signals';
import { ApiError, get } from '../lib/api.js';
import type { Person } from '../lib/types.js';
import { listBlocked } from '../settings/settings-api.js';
import type { DmSession } from './dm-session.js';

type Lookup = 'pending' | 'found' | 'missing' | 'unreachable';

/**
 * Who a thread is with: their display name and presence, from the search API
 * (exact username), else from the conversations (a deleted account leaves
 * search but its conversation stays). Presence follows live events, and is
 * asked again after a reconnection (changes meanwhile were never announced).
 */
export class ThreadPerson {
  readonly person = signal<Person | undefined>(undefined);
  readonly state = signal<Lookup>('pending');
  readonly online = signal(false);
  /** Whether I blocked them; undefined until known (Block and Call wait for it). */
  readonly blocked = signal<boolean | undefined>(undefined);
  private readonly offs: Array<() => void>;
  private disposed = false;

  constructor(
    readonly username: string,
    private readonly session: DmSession,
  ) {
    this.person.value = session.conversations.peek().find((c) => c.with.username === username)?.with;
    this.online.value = session.online.peek().get(username) ?? this.person.value?.online ?? false;
    this.offs = [
      session.client.on('connected', () => void this.find()),
      session.client.on('presence', (p) => {
        if (p.username === username) this.online.value = p.online;
      }),
    ];
    void this.find();
    // Without the list Block stays hidden and Call does not know; the conversation itself still works.
    listBlocked()
      .then(({ users }) => {
        if (!this.disposed) this.blocked.value = users.some((u) => u.username === username);
      })
      .catch(() => {});
  }

  async find(): Promise<void> {
    const known = this.session.conversations.peek().find((c) => c.with.username === this.username)?.with ?? this.person.peek();
    try {
      const found = (await get<{ users: Person[] }>(`/api/users?q=${encodeURIComponent(this.username)}`)).users.find((u) => u.username === this.username);
      this.settle(found ?? known, found || known ? 'found' : 'missing');
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) this.settle(undefined, 'missing');
      else this.settle(known, known ? 'found' : 'unreachable');
    }
  }

  private settle(person: Person | undefined, state: Lookup) {
    this.person.value = person;
    if (person) this.online.value = person.online;
    this.state.value = state;
  }

  dispose(): void {
    this.disposed = true;
    for (const off of this.offs) off();
  }
}
