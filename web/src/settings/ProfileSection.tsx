import { useSignal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { userUpdated } from '../lib/session.js';
import type { User } from '../lib/types.js';
import { Field } from '../ui/Field.js';
import { errorWords, renameMe } from './settings-api.js';

/** The display name others see; the header shows the new one at once. */
export function ProfileSection({ user }: { user: User }) {
  const error = useSignal<string | undefined>(undefined);
  const done = useSignal('');
  const busy = useSignal(false);
  const input = useRef<HTMLInputElement>(null);

  async function submit(e: Event) {
    e.preventDefault();
    done.value = '';
    const name = input.current!.value.trim();
    if (!name) {
      error.value = 'Enter a display name.';
      return input.current!.focus();
    }
    busy.value = true;
    try {
      const { user: next } = await renameMe(name);
      error.value = undefined;
      done.value = `Saved. Others now see you as ${next.displayName}.`;
      userUpdated(next);
    } catch (err) {
      error.value = errorWords(err);
      input.current!.focus();
    } finally {
      busy.value = false;
    }
  }

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      <Field
        label="Display name"
        hint={`How others see you, beside your username @${user.username}.`}
        error={error.value}
        inputRef={input}
        input={{ name: 'displayName', autocomplete: 'nickname', maxLength: 64, defaultValue: user.displayName }}
      />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>
          Save name
        </button>
        <span class="status" role="status">
          {done.value}
        </span>
      </div>
    </form>
  );
}
