import { ApiError } from '../lib/api.js';
import { field, h, type Screen } from '../lib/dom.js';
import { login, signup } from '../lib/session.js';

/** Sign up or log in. API errors are shown in words next to the form. */
export function renderAuth(): Screen {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, minlength: 8, maxlength: 256 });
  const displayName = h('input', { name: 'displayName', autocomplete: 'nickname', maxlength: 64 });
  const error = h('p', { class: 'error', role: 'alert' });
  const signupButton = h('button', { type: 'submit', value: 'signup', class: 'primary' }, 'Sign up');
  const loginButton = h('button', { type: 'submit', value: 'login' }, 'Log in');

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const action = (event.submitter as HTMLButtonElement | null)?.value === 'signup' ? 'signup' : 'login';
    error.textContent = '';
    signupButton.disabled = loginButton.disabled = true;
    try {
      if (action === 'signup') await signup(username.value.trim(), password.value, displayName.value.trim() || undefined);
      else await login(username.value.trim(), password.value);
    } catch (err) {
      error.textContent = describe(err, action);
      password.focus();
    } finally {
      signupButton.disabled = loginButton.disabled = false;
    }
  }

  const form = h(
    'form',
    { class: 'card auth', on: { submit } },
    field('Username', username, '3–32 characters: a–z, 0–9, _ . -'),
    field('Password', password, 'At least 8 characters.'),
    field('Display name', displayName, 'Optional, for signing up: how others see you.'),
    error,
    h('div', { class: 'actions' }, signupButton, loginButton),
  );
  const el = h(
    'section',
    { class: 'screen narrow' },
    h('h1', {}, 'Welcome to Parley'),
    h('p', {}, 'Make a room, share its name, and talk. Text anyone privately.'),
    form,
  );
  return { el, title: 'Sign in', dispose() {} };
}

function describe(err: unknown, action: 'signup' | 'login'): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Try again.';
  switch (err.code) {
    case 'username_taken':
      return 'That username is taken. Pick another, or log in if it is yours.';
    case 'invalid_credentials':
      return 'Wrong username or password.';
    case 'too_many_attempts':
      return `Too many attempts. Wait ${err.retryAfter ?? 60} seconds and try again.`;
    case 'invalid_input':
      return action === 'signup' ? `Check the fields: ${err.message}` : 'Enter your username and password.';
    default:
      return err.message;
  }
}
