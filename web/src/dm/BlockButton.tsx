import { useSignal } from '@preact/signals';
import { useId } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { announce } from '../lib/dom.js';
import { block, unblock } from '../settings/settings-api.js';
import type { ThreadPerson } from './thread-person.js';

/** Block / Unblock the person of a thread: shown once it is known whether they are blocked. */
export function BlockButton({ who }: { who: ThreadPerson }) {
  const id = useId();
  const note = useSignal('');
  const username = who.username;
  const blocked = who.blocked.value;

  async function toggle() {
    const now = !who.blocked.value;
    try {
      await (now ? block(username) : unblock(username));
      who.blocked.value = now;
      note.value = '';
      announce(now ? `Blocked @${username}.` : `Unblocked @${username}.`);
    } catch (err) {
      note.value = err instanceof ApiError ? err.message : 'Parley could not be reached. Try again.';
    }
  }

  if (blocked === undefined) return null;
  return (
    <div class="block-control">
      <button type="button" class="block-button" aria-describedby={`${id}-who`} onClick={() => void toggle()}>
        {blocked ? 'Unblock' : 'Block'}
      </button>
      <span id={`${id}-who`} class="visually-hidden">{`@${username}`}</span>
      {/* Not a live region: announce() speaks the change, and the screen's one status line stays its own. */}
      <span class="block-note">{note.value || (blocked ? `You blocked @${username}: their messages do not reach you.` : '')}</span>
    </div>
  );
}
