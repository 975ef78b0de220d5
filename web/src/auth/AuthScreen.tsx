import { AudioLines } from 'lucide-preact';
import './AuthScreen.css';
import { useSignal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { login } from '../lib/session.js';
import { Field } from '../ui/Field.js';
import { lazy } from '../ui/lazy.js';
import { useFocusFirstError, type Errors } from './form-errors.js';

type Mode = 'signin' | 'create';

// Most visits sign in: the form for a new account is fetched when asked for.
const CreateAccountForm = lazy(() => import('./CreateAccountForm.js').then((m) => m.CreateAccountForm));

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
      {mode.value === 'signin' ? <SignInForm onCreate={() => (mode.value = 'create')} /> : <CreateAccountForm onSignIn={() => (mode.value = 'signin')} />}
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
    if (missing.username || missing.password) {
      errors.value = missing;
      return;
    }
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
      <Field
        label="Username"
        error={errors.value.username}
        inputRef={username}
        input={{ name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: false, maxLength: 32 }}
      />
      <Field
        label="Password"
        error={errors.value.password}
        inputRef={password}
        input={{ name: 'password', type: 'password', autocomplete: 'current-password', maxLength: 1024 }}
      />
      <p class="error" role="alert">
        {errors.value.form}
      </p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>
          Sign in
        </button>
        <span>
          New here? {/* biome-ignore lint/a11y/useValidAnchor: a real link: /#create opens this screen on the form, and the click only saves a reload. */}
          <a
            href="#create"
            onClick={(e) => {
              e.preventDefault();
              onCreate();
            }}
          >
            Create an account
          </a>
        </span>
      </div>
    </form>
  );
}

function signInError(err: unknown): Errors {
  if (!(err instanceof ApiError)) return { form: 'Parley could not be reached. Try again.' };
  if (err.code === 'invalid_credentials') return { password: 'Wrong username or password.' };
  if (err.code === 'too_many_attempts') return { form: `Too many attempts. Wait ${err.retryAfter ?? 60} seconds and try again.` };
  return { form: err.message };
}
