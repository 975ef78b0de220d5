import { AudioLines } from 'lucide-preact';
import './AuthScreen.css';
import { useSignal } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { login, signup } from '../lib/session.js';
import { Field } from '../ui/Field.js';

type Mode = 'signin' | 'create';
type Errors = { username?: string; password?: string; displayName?: string; form?: string };

/**
 * Signing in and creating an account are two forms, never one: Enter in "Sign in" signs in and
 * nothing else (a mistyped name must not quietly become a new account). Each form carries the
 * autocomplete values password managers go by, and an error is said in words beside the field
 * that is wrong, with the focus moved there.
 */
export function AuthScreen() {
  const mode = useSignal<Mode>(location.hash === '#create' ? 'create' : 'signin');
  return (
    <section class="screen narrow auth-screen">
      <AudioLines class="auth-mark" aria-hidden="true" size={40} />
      <h1>Welcome to Parley</h1>
      <p>Make a room, share its name, and talk. Text anyone privately.</p>
      {mode.value === 'signin' ? <SignInForm onCreate={() => (mode.value = 'create')} /> : <CreateForm onSignIn={() => (mode.value = 'signin')} />}
    </section>
  );
}

function SignInForm({ onCreate }: { onCreate(): void }) {
  const errors = useSignal<Errors>({});
  const busy = useSignal(false);
  const username = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);
  useFocusFirstError(errors.value, { username, password });

  async function submit(e: Event) {
    e.preventDefault();
    const name = username.current!.value.trim();
    const pass = password.current!.value;
    const missing: Errors = {};
    if (!name) missing.username = 'Enter your username.';
    if (!pass) missing.password = 'Enter your password.';
    if (missing.username || missing.password) return void (errors.value = missing);
    busy.value = true;
    try {
      await login(name, pass);
    } catch (err) {
      errors.value = signInError(err);
    } finally {
      busy.value = false;
    }
  }

  return (
    <form class="card auth" onSubmit={submit} noValidate aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      <Field label="Username" error={errors.value.username} inputRef={username} input={{ name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: false, maxLength: 32 }} />
      <Field label="Password" error={errors.value.password} inputRef={password} input={{ name: 'password', type: 'password', autocomplete: 'current-password', maxLength: 1024 }} />
      <p class="error" role="alert">
        {errors.value.form}
      </p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>
          Sign in
        </button>
        <span>
          New here?{' '}
          <a href="#create" onClick={(e) => (e.preventDefault(), onCreate())}>
            Create an account
          </a>
        </span>
      </div>
    </form>
  );
}

function CreateForm({ onSignIn }: { onSignIn(): void }) {
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
    if (found.username || found.password) return void (errors.value = found);
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
      <Field label="Password" hint="At least 8 characters." error={errors.value.password} inputRef={password} input={{ name: 'password', type: 'password', autocomplete: 'new-password', maxLength: 256 }} />
      <Field label="Display name" hint="Optional: how others see you." error={errors.value.displayName} inputRef={displayName} input={{ name: 'displayName', autocomplete: 'nickname', maxLength: 64 }} />
      <p class="error" role="alert">
        {errors.value.form}
      </p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>
          Create account
        </button>
        <span>
          Have an account?{' '}
          <a href="#signin" onClick={(e) => (e.preventDefault(), onSignIn())}>
            Sign in
          </a>
        </span>
      </div>
    </form>
  );
}

/** After a failed submit, the first field with an error gets the focus. */
function useFocusFirstError(errors: Errors, fields: Partial<Record<keyof Errors, { current: HTMLInputElement | null }>>) {
  useLayoutEffect(() => {
    for (const key of ['username', 'password', 'displayName'] as const) {
      if (errors[key]) return void fields[key]?.current?.focus();
    }
  }, [errors]);
}

function signInError(err: unknown): Errors {
  if (!(err instanceof ApiError)) return { form: 'Parley could not be reached. Try again.' };
  if (err.code === 'invalid_credentials') return { password: 'Wrong username or password.' };
  if (err.code === 'too_many_attempts') return { form: `Too many attempts. Wait ${err.retryAfter ?? 60} seconds and try again.` };
  return { form: err.message };
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
