import { Phone } from 'lucide-preact';
import { useEffect, useId } from 'preact/hooks';
import { dmCalls, dmSession } from '../app/app-state.js';
import { preloadCallScreen } from '../app/lazy-screens.js';
import { personText } from '../lib/person.js';
import { dmPath, navigate } from '../lib/router.js';
import type { Person } from '../lib/types.js';
import { roomSession } from '../room/current-session.js';
import type { DmCalls } from './dm-calls.js';
import './CallButton.css';

/** Why `person` cannot be called from here right now, in words; undefined when they can. */
function whyNot(person: Person, calls: DmCalls, blocked: boolean | undefined): string | undefined {
  if (person.deleted) return 'This account was deleted.';
  if (blocked) return `Unblock @${person.username} to call them.`;
  if (dmSession.value?.status.value !== 'connected') return 'Calls need a connection to Parley; reconnecting…';
  if (calls.busy || roomSession.value?.holdsCall) return 'You are in a call.';
  if (calls.busyElsewhere) return 'You are in a call in another tab.';
  if (calls.placing.value) return 'Calling…';
  return undefined;
}

function ring(calls: DmCalls, person: Person) {
  preloadCallScreen();
  void calls.ring(person);
}

/**
 * "Call" in a conversation's heading: rings the other person. Disabled, with the reason beside
 * it, when they cannot be called from here; a ring the server refused says why there too.
 */
export function CallButton({ person, blocked }: { person: Person; blocked: boolean | undefined }) {
  const id = useId();
  const calls = dmCalls.value;
  // A refusal belongs to this visit of the conversation: gone when it closes.
  useEffect(
    () => () => {
      if (calls?.problem.peek()?.with === person.username) calls.problem.value = undefined;
    },
    [person.username],
  );
  if (!calls) return null;
  const why = whyNot(person, calls, blocked);
  const problem = calls.problem.value?.with === person.username ? calls.problem.value.words : '';
  return (
    <div class="call-control">
      <button type="button" class="call-button" disabled={!!why} aria-describedby={`${id}-why`} onClick={() => ring(calls, person)}>
        <Phone size={18} aria-hidden="true" />
        <span class="call-button-label">Call</span>
        <span class="visually-hidden">{` ${personText(person)}`}</span>
      </button>
      {/* Why it is disabled is not news (not a live region: the screen has one status line); a refused ring is. */}
      {problem ? (
        <span id={`${id}-why`} class="call-note" role="alert">
          {problem}
        </span>
      ) : (
        <span id={`${id}-why`} class="call-note">
          {why ?? ''}
        </span>
      )}
    </div>
  );
}

/**
 * The small "Call" beside a person on Home: opens the conversation (where the call's history
 * and any refusal show) and rings from there.
 */
export function CallPersonButton({ person }: { person: Person }) {
  const calls = dmCalls.value;
  if (!calls) return null;
  const why = whyNot(person, calls, undefined);
  return (
    <button
      type="button"
      class="quiet call-person"
      disabled={!!why}
      title={why ?? `Call ${person.displayName}`}
      aria-label={`Call ${personText(person)}`}
      onClick={() => {
        navigate(dmPath(person.username));
        ring(calls, person);
      }}
    >
      <Phone size={18} aria-hidden="true" />
    </button>
  );
}
