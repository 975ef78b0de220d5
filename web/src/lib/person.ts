import { h } from './dom.js';

/**
 * A person as other people should see them: the display name, which anyone may choose (two
 * people can both be "Alice"), then `@username`, which is unique. The name sits in <bdi> so
 * that a right-to-left name cannot reorder the handle or the text after it.
 */
export function personName(user: { username: string; displayName: string }, suffix = ''): HTMLSpanElement {
  return h('span', { class: 'person' }, h('bdi', {}, user.displayName), suffix, ' ', h('span', { class: 'handle' }, `@${user.username}`));
}

/** The same in plain text, for announcements and labels: `Alice (@alice)`. */
export function personText(user: { username: string; displayName: string }): string {
  return `${user.displayName} (@${user.username})`;
}

/**
 * A message body: `dir="auto"` takes its direction from its own first strong character, and the
 * element is isolated from the text around it, so a right-to-left override inside a message can
 * never run past the message and reverse the page around it.
 */
export function messageBody(text: string): HTMLParagraphElement {
  return h('p', { class: 'body', dir: 'auto' }, text);
}
