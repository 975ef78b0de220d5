import { render } from 'preact';
import { h, type Screen } from '../lib/dom.js';
import { AuthScreen } from './AuthScreen.js';

/** The sign-in screen in the shell: a Preact component mounted into the screen's element. */
export function renderAuth(): Screen {
  const el = h('div', { class: 'mount' });
  render(<AuthScreen />, el);
  return { el, title: 'Sign in', dispose: () => render(null, el) };
}
