import { render } from 'preact';
import { h, type Screen } from '../lib/dom.js';
import type { User } from '../lib/types.js';
import { SettingsScreen } from './SettingsScreen.js';

/** The Settings screen in the shell: a Preact component mounted into the screen's element. */
export function renderSettings(user: User): Screen {
  const el = h('div', { class: 'mount' });
  render(<SettingsScreen user={user} />, el);
  return { el, title: 'Settings', dispose: () => render(null, el) };
}
