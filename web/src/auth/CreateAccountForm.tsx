import { useSignal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { signup } from '../lib/session.js';
import { Field } from '../ui/Field.js';
import { useFocusFirstError, type Errors } from './form-errors.js';

/** Creating an account: a form of its own (see AuthScreen), with the autocomplete values password managers go by. */
export function CreateAccountForm({ onSignIn }: { onSignIn(): void }) {
  const errors = useSignal<Errors>({});
  const busy = useSignal(false);
  const username = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);
  const displayName = useRef<HTMLInputElement>(null);
  useFocusFirstError(errors.value, { username, password, displayName });

  async function submit(e: Event) {
    e.preventDefault();
    const name = username.current!.value.trim().toLowerCase();
    const pass = password.current!.value;
    const shown = displayName.current!.value.trim();
    const found: Errors = {};
    if (!/^[a-z0-9_.-]{3,32}$/.test(name)) found.username = 'Use 3–32 characters: a–z, 0–9, _ . -';
    if ([...pass].length < 8) found.password = 'Use at least 8 characters.';
    if (found.username || found.password) {
      errors.value = found;
      return;
    }
    busy.value = true;
    try {
      await signup(name, pass, shown || undefined);
    } catch (err) {
      errors.value = createError(err);
    } finally {
      busy.value = false;
    }
  }

  return (
    <form class="card auth" onSubmit={submit} noValidate aria-labelledby="create-title">
      <h2 id="create-title">Create account</h2>
      <Field
        label="Username"
        hint="3–32 characters: a–z, 0–9, _ . - (others find you by it)"
        error={errors.value.username}
        inputRef={username}
        input={{ name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: false, maxLength: 32 }}
      />
      <Field
        label="Password"
        hint="At least 8 characters."
        error={errors.value.password}
        inputRef={password}
        input={{ name: 'password', type: 'password', autocomplete: 'new-password', maxLength: 256 }}
      />
      <Field
        label="Display name"
        hint="Optional: how others see you."
        error={errors.value.displayName}
        inputRef={displayName}
        input={{ name: 'displayName', autocomplete: 'nickname', maxLength: 64 }}
      />
      <p class="error" role="alert">
        {errors.value.form}
      </p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>
          Create account
        </button>
        <span>
          Have an account?{' '}
          {/* biome-ignore lint/a11y/useValidAnchor: a real link: /#signin opens this screen on the sign-in form, and the click only saves a reload. */}
          <a
            href="#signin"
            onClick={(e) => {
              e.preventDefault();
              onSignIn();
            }}
          >
            Sign in
          </a>
        </span>
      </div>
    </form>
  );
}

function createError(err: unknown): Errors {
  if (!(err instanceof ApiError)) return { form: 'Parley could not be reached. Try again.' };
  if (err.code === 'username_taken') return { username: 'That username is taken. Pick another, or sign in if it is yours.' };
  if (err.code === 'too_many_attempts') return { form: `Too many accounts from here lately. Wait ${err.retryAfter ?? 60} seconds.` };
  if (err.code === 'invalid_input') {
    // The server names the field first: "displayName: must not contain …".
    const [field, ...rest] = err.message.split(': ');
    const text = rest.join(': ') || err.message;
    if (field === 'username' || field === 'password' || field === 'displayName') return { [field]: sentence(text) };
  }
  return { form: err.message };
}

const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (s.endsWith('.') ? '' : '.');
