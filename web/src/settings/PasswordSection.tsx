import { useSignal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { Field } from '../ui/Field.js';
import { sessionsChanged } from './SessionsSection.js';
import { changePassword, errorWords } from './settings-api.js';

type Errors = { current?: string; next?: string; form?: string };

/** A new password needs the current one; every other session of the account ends with the change. */
export function PasswordSection() {
  const errors = useSignal<Errors>({});
  const done = useSignal('');
  const busy = useSignal(false);
  const current = useRef<HTMLInputElement>(null);
  const next = useRef<HTMLInputElement>(null);

  async function submit(e: Event) {
    e.preventDefault();
    done.value = '';
    const found: Errors = {};
    if (!current.current!.value) found.current = 'Enter your current password.';
    if ([...next.current!.value].length < 8) found.next = 'Use at least 8 characters.';
    errors.value = found;
    if (found.current) return current.current!.focus();
    if (found.next) return next.current!.focus();
    busy.value = true;
    try {
      await changePassword(current.current!.value, next.current!.value);
      current.current!.value = '';
      next.current!.value = '';
      done.value = 'Password changed. Your other sessions were signed out.';
      sessionsChanged.value++;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_credentials') {
        errors.value = { current: 'That is not your current password.' };
        current.current!.focus();
      } else if (err instanceof ApiError && err.code === 'invalid_input') {
        errors.value = { next: errorWords(err) };
        next.current!.focus();
      } else errors.value = { form: errorWords(err) };
    } finally {
      busy.value = false;
    }
  }

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="password-h">
      <h2 id="password-h">Password</h2>
      <Field
        label="Current password"
        error={errors.value.current}
        inputRef={current}
        input={{ name: 'current', type: 'password', autocomplete: 'current-password', maxLength: 1024 }}
      />
      <Field
        label="New password"
        hint="At least 8 characters. Your other sessions will be signed out."
        error={errors.value.next}
        inputRef={next}
        input={{ name: 'next', type: 'password', autocomplete: 'new-password', maxLength: 256 }}
      />
      <p class="error" role="alert">
        {errors.value.form}
      </p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>
          Change password
        </button>
        <span class="status" role="status">
          {done.value}
        </span>
      </div>
    </form>
  );
}
