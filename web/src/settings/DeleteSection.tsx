import { useSignal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { sessionEnded } from '../lib/session.js';
import type { User } from '../lib/types.js';
import { Field } from '../ui/Field.js';
import { deleteAccount, errorWords } from './settings-api.js';

/**
 * Deleting the account: the password first, then a second, explicit yes, because it cannot be
 * undone. Then every session ends and this browser is back at the sign-in screen.
 */
export function DeleteSection({ user }: { user: User }) {
  const error = useSignal<{ password?: string; form?: string }>({});
  const confirming = useSignal(false);
  const busy = useSignal(false);
  const password = useRef<HTMLInputElement>(null);

  function ask(e: Event) {
    e.preventDefault();
    if (!password.current!.value) {
      error.value = { password: 'Enter your password.' };
      return password.current!.focus();
    }
    error.value = {};
    confirming.value = true;
  }

  async function remove() {
    busy.value = true;
    try {
      await deleteAccount(password.current!.value);
      sessionEnded();
    } catch (err) {
      confirming.value = false;
      if (err instanceof ApiError && err.code === 'invalid_credentials') {
        error.value = { password: 'That is not your password.' };
        password.current!.focus();
      } else error.value = { form: errorWords(err) };
    } finally {
      busy.value = false;
    }
  }

  return (
    <form class="card" onSubmit={ask} noValidate aria-labelledby="delete-h">
      <h2 id="delete-h">Delete account</h2>
      <p>
        Your rooms, blocks and sessions go. People you wrote to keep their conversations, shown as from “Deleted user”. Nobody can use the username @
        {user.username} again.
      </p>
      <Field
        label="Password"
        hint="To delete the account, enter its password."
        error={error.value.password}
        inputRef={password}
        input={{ name: 'password', type: 'password', autocomplete: 'current-password', maxLength: 1024 }}
      />
      <p class="error" role="alert">
        {error.value.form}
      </p>
      {confirming.value ? (
        // biome-ignore lint/a11y/useSemanticElements: a question and its two buttons, not form fields; a fieldset would need a legend and its own styles.
        <div class="actions confirm" role="group" aria-labelledby="delete-confirm">
          <strong id="delete-confirm">Delete @{user.username} for good? This cannot be undone.</strong>
          <button type="button" class="danger" disabled={busy.value} onClick={() => void remove()}>
            Yes, delete my account
          </button>
          <button type="button" onClick={() => (confirming.value = false)}>
            Keep my account
          </button>
        </div>
      ) : (
        <div class="actions">
          <button type="submit" class="danger">
            Delete account…
          </button>
        </div>
      )}
    </form>
  );
}
