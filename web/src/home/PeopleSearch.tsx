import { useSignal } from '@preact/signals';
import { Search } from 'lucide-preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { CallPersonButton } from '../calls/CallButton.js';
import { ApiError, get, OUTAGE_TEXT } from '../lib/api.js';
import { dmPath } from '../lib/router.js';
import type { Person, User } from '../lib/types.js';
import { Avatar } from '../ui/Avatar.js';
import { PersonName } from '../ui/PersonName.js';

type Found = { q: string; people: Person[]; onlyMe: boolean } | { q: string; error: string };

/**
 * Find someone to write to, by the start of their username or of any word of
 * their display name (the API matches both, case- and accent-insensitively).
 * Yourself is never offered: nobody can write to themself.
 */
export function PeopleSearch({ me }: { me: User }) {
  const id = useId();
  const query = useSignal('');
  const found = useSignal<Found | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);

  function onInput(value: string) {
    query.value = value;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void search(value.trim()), 250);
  }

  async function search(q: string) {
    if (!q) {
      found.value = undefined;
      return;
    }
    try {
      const users = (await get<{ users: Person[] }>(`/api/users?q=${encodeURIComponent(q)}`)).users;
      if (query.value.trim() !== q) return;
      const people = users.filter((u) => u.username !== me.username);
      found.value = { q, people, onlyMe: people.length === 0 && users.length > 0 };
    } catch (err) {
      if (query.value.trim() !== q) return;
      found.value = { q, error: err instanceof ApiError && err.status === 400 ? err.message : OUTAGE_TEXT.replace(' — retrying…', '. Try again in a moment.') };
    }
  }

  const f = found.value;
  return (
    <div class="people-search">
      <div class="field search-field">
        <label for={`${id}-q`}>Find people</label>
        <span class="search-box">
          <Search size={18} aria-hidden="true" />
          <input
            id={`${id}-q`}
            name="people-search"
            type="search"
            autocapitalize="none"
            spellcheck={false}
            autocomplete="off"
            maxLength={64}
            placeholder="Name or @username"
            aria-describedby={`${id}-said`}
            value={query.value}
            onInput={(e) => onInput(e.currentTarget.value)}
          />
        </span>
      </div>
      <p id={`${id}-said`} class={f && 'error' in f ? 'error' : 'hint'} aria-live="polite">
        {!f
          ? ''
          : 'error' in f
            ? f.error
            : f.onlyMe
              ? 'That’s you. Search for someone else to write to.'
              : f.people.length === 0
                ? `Nobody by that name. Search finds usernames and display names that start with “${f.q}”.`
                : `${f.people.length === 1 ? '1 person' : `${f.people.length} people`} found.`}
      </p>
      {f && 'people' in f && f.people.length > 0 && (
        <ul class="people" aria-label="People found">
          {f.people.map((u) => (
            <li key={u.username}>
              <a class="person-row" href={dmPath(u.username)} data-link>
                <Avatar name={u.displayName} online={u.online} />
                <PersonName user={u} />
                <span class="visually-hidden">{u.online ? ', online' : ', offline'}</span>
              </a>
              <CallPersonButton person={u} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
