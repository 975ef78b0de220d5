/**
 * Plain-DOM helpers for the screens not yet in Preact (the room screen and its chat): `h`,
 * `replace`, `field`; `announce`, `formatTime` and the `Screen` shape are shared by all.
 *
 * A tiny element builder. User text only ever becomes text nodes or
 * attribute values, never markup: nothing here touches innerHTML, so a
 * message like `<img onerror=…>` shows as the characters it is.
 */
type Child = Node | string | number | null | undefined | false;
type Listener = (event: any) => void;
type Props = {
  [key: string]: unknown;
  class?: string;
  on?: Record<string, Listener>;
};

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Array<Child | Child[]>) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [type, listener] of Object.entries(value as Record<string, Listener>)) el.addEventListener(type, listener);
    } else if (key === 'class') {
      el.className = String(value);
    } else if (key === 'value' && 'value' in el) {
      (el as unknown as { value: string }).value = String(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: Array<Child | Child[]>): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/** A labelled form field: the label names the control for screen readers and for tests. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  let hintEl: HTMLElement | null = null;
  if (hint) {
    hintEl = h('small', { id: `${id}-hint`, class: 'hint' }, hint);
    input.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl);
}

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

export type Screen = { el: HTMLElement; title: string; dispose(): void };
