import { useSignal } from '@preact/signals';
import { useEffect, useId } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { announce } from '../lib/dom.js';
import { block, listBlocked, unblock } from '../settings/settings-api.js';

/** Block / Unblock the person of a thread: shown once it is known whether they are blocked. */
export function BlockButton({ username }: { username: string }) {
  const id = useId();
  const blocked = useSignal<boolean | undefined>(undefined);
  const note = useSignal('');
  useEffect(() => {
    let gone = false;
    // Without the list the button stays hidden; the conversation itself still works.
    listBlocked()
      .then(({ users }) => !gone && (blocked.value = users.some((u) => u.username === username)))
      .catch(() => {});
    return () => void (gone = true);
  }, [username]);

  async function toggle() {
    const now = !blocked.value;
    try {
      await (now ? block(username) : unblock(username));
      blocked.value = now;
      note.value = '';
      announce(now ? `Blocked @${username}.` : `Unblocked @${username}.`);
    } catch (err) {
      note.value = err instanceof ApiError ? err.message : 'Parley could not be reached. Try again.';
    }
  }

  if (blocked.value === undefined) return null;
  return (
    <div class="block-control">
      <button type="button" class="block-button" aria-describedby={`${id}-who`} onClick={() => void toggle()}>
        {blocked.value ? 'Unblock' : 'Block'}
      </button>
      <span id={`${id}-who`} class="visually-hidden">{`@${username}`}</span>
      {/* Not a live region: announce() speaks the change, and the screen's one status line stays its own. */}
      <span class="block-note">{note.value || (blocked.value ? `You blocked @${username}: their messages do not reach you.` : '')}</span>
    </div>
  );
}
