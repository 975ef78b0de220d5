import { render } from 'preact';
import { CallBar } from './CallBar.js';

/** Mounts the call bar into the shell (main.ts stays plain TS). */
export function mountCallBar(el: HTMLElement): void {
  render(<CallBar />, el);
}
