import { useSignal } from '@preact/signals';
import { useId } from 'preact/hooks';
import { dmPath, navigate } from '../lib/router.js';
import type { User } from '../lib/types.js';

export const SELF_TEXT = 'You can’t send messages to yourself. Choose someone else.';

/** Write to someone by username; never to yourself. */
export function StartConversation({ me }: { me: User }) {
  const id = useId();
  const error = useSignal('');
  return (
    <form
      class="inline start-conversation"
      onSubmit={(e) => {
        e.preventDefault();
        const input = (e.currentTarget as HTMLFormElement).elements.namedItem('new-conversation') as HTMLInputElement;
        const who = input.value.trim().toLowerCase().replace(/^@/, '');
        error.value = who === me.username ? SELF_TEXT : '';
        if (who && who !== me.username) navigate(dmPath(who));
      }}
    >
      <div class="field">
        <label for={`${id}-who`}>Write to (username)</label>
        <input id={`${id}-who`} name="new-conversation" autocapitalize="none" spellcheck={false} autocomplete="off" maxLength={32} placeholder="@username" />
      </div>
      <button type="submit">Open</button>
      <p class="error" role="alert">
        {error.value}
      </p>
    </form>
  );
}
