import { useSignal } from '@preact/signals';
import { Search } from 'lucide-preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, get, OUTAGE_TEXT } from '../lib/api.js';
import { announce } from '../lib/dom.js';
import type { Person, User } from '../lib/types.js';
import { groupPeople } from '../room/people.js';
import type { RoomSession } from '../room/room-session.js';
import { Avatar } from '../ui/Avatar.js';
import { PersonName } from '../ui/PersonName.js';
import { inviteRefusal, sendInvite } from './invites-api.js';
import './InviteDialog.css';

export type InviteDialogProps = { session: RoomSession; user: User; onClose: () => void };

type Found = { q: string; people: Person[] } | { q: string; error: string };
type Outcome = { ok: boolean; words: string };

/**
 * Invite someone into the room, in a modal dialog: find them as on Home (the start of a username
 * or of a word of the display name), choose one, send. The answer is said beside the field.
 */
export function InviteDialog({ session, user, onClose }: InviteDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const query = useSignal('');
  const found = useSignal<Found | undefined>(undefined);
  const chosen = useSignal<string | undefined>(undefined);
  const outcome = useSignal<Outcome | undefined>(undefined);
  const busy = useSignal(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    dialog.current?.showModal();
    return () => clearTimeout(timer.current);
  }, []);

  function onInput(value: string) {
    query.value = value;
    outcome.value = undefined;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void search(value.trim().replace(/^@/, '')), 250);
  }

  async function search(q: string) {
    if (!q) {
      found.value = undefined;
      return;
    }
    try {
      const users = (await get<{ users: Person[] }>(`/api/users?q=${encodeURIComponent(q)}`)).users;
      if (query.value.trim().replace(/^@/, '') !== q) return;
      const people = users.filter((u) => u.username !== user.username);
      found.value = { q, people };
      // One match, or an exact username: chosen, so Enter sends it.
      const exact = people.find((u) => u.username === q.toLowerCase()) ?? (people.length === 1 ? people[0] : undefined);
      if (!people.some((u) => u.username === chosen.value)) chosen.value = exact?.username;
    } catch (err) {
      if (query.value.trim().replace(/^@/, '') !== q) return;
      found.value = { q, error: err instanceof ApiError && err.status === 400 ? err.message : OUTAGE_TEXT.replace(' — retrying…', '. Try again in a moment.') };
    }
  }

  function choose(username: string) {
    chosen.value = username;
    outcome.value = undefined;
  }

  async function send() {
    const f = found.value;
    const who = f && 'people' in f ? f.people.find((u) => u.username === chosen.value) : undefined;
    if (!who) {
      outcome.value = { ok: false, words: 'Find someone, then choose them from the list.' };
      return;
    }
    busy.value = true;
    try {
      await sendInvite(session.name, who.username);
      const words = `Invite sent to ${who.displayName} — it lets them in for 15 minutes.`;
      outcome.value = { ok: true, words };
      announce(words);
      // Sent: another Enter must not send it again.
      chosen.value = undefined;
    } catch (err) {
      outcome.value = { ok: false, words: inviteRefusal(err, who) };
    } finally {
      busy.value = false;
    }
  }

  const here = new Set(groupPeople(session.members.value.values(), session.peerId.value, user.id).map((p) => p.user.username));
  const f = found.value;
  const o = outcome.value;
  return (
    <dialog ref={dialog} class="card invite-dialog" aria-labelledby="invite-h" onClose={onClose}>
      <form
        method="dialog"
        noValidate
        onSubmit={(ev) => {
          ev.preventDefault();
          void send();
        }}
      >
        <h2 id="invite-h">Invite to “{session.name}”</h2>
        <p class="hint">They get a message with a Join button that lets them in for 15 minutes{session.room.value?.locked ? ', without the password' : ''}.</p>
        <div class="field">
          <label for="invite-q">Find people</label>
          <span class="invite-search">
            <Search size={18} aria-hidden="true" />
            <input
              id="invite-q"
              name="invite-search"
              type="search"
              autocapitalize="none"
              spellcheck={false}
              autocomplete="off"
              maxLength={64}
              placeholder="Name or @username"
              aria-describedby="invite-said invite-sent invite-refused"
              aria-invalid={o && !o.ok ? 'true' : undefined}
              value={query.value}
              onInput={(e) => onInput(e.currentTarget.value)}
            />
          </span>
        </div>
        <p id="invite-said" class={f && 'error' in f ? 'error' : 'hint'} aria-live="polite">
          {!f
            ? ''
            : 'error' in f
              ? f.error
              : f.people.length === 0
                ? `Nobody by that name. Search finds usernames and display names that start with “${f.q}”.`
                : ''}
        </p>
        {f && 'people' in f && f.people.length > 0 && (
          <fieldset class="invite-choices">
            <legend>Choose who to invite</legend>
            <ul class="plain">
              {f.people.map((u) => (
                <li key={u.username}>
                  <label class="invite-choice">
                    <input type="radio" name="invitee" value={u.username} checked={chosen.value === u.username} onChange={() => choose(u.username)} />
                    <Avatar name={u.displayName} online={u.online} />
                    <PersonName user={u} />
                    {here.has(u.username) ? <span class="invite-here">in the room</span> : null}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
        )}
        <p id="invite-sent" class="invite-sent" role="status">
          {o?.ok ? o.words : ''}
        </p>
        <p id="invite-refused" class="error" role="alert">
          {o && !o.ok ? o.words : ''}
        </p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy.value}>
            Send invite
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </form>
    </dialog>
  );
}
