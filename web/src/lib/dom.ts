/** Small DOM helpers shared by the screens. */

/** Says something to screen readers through the page's polite live region. */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node in a later frame makes screen readers speak the same text twice in a row too.
  requestAnimationFrame(() => (region.textContent = text));
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Moves focus to the shown screen's heading (for keyboard and screen-reader users), unless something in the screen has it. */
export function focusHeading(): void {
  const box = document.getElementById('main');
  const active = document.activeElement;
  if (!box || (active && active !== document.body && box.contains(active))) return;
  const heading = box.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus({ preventScroll: true });
}
