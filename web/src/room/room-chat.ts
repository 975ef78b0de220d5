import { ApiError, get, post } from '../lib/api.js';
import { field, formatTime, h } from '../lib/dom.js';
import type { ChatMessage } from '../lib/types.js';
import { messageBody, personName } from '../lib/person.js';

/**
 * A room's text chat: its history, live messages, the join and leave lines,
 * and the form that sends. The log is a live region, so new lines are read
 * out. `peerId` is asked each time, since the tab's peer changes when it
 * joins again.
 */
export function createRoomChat(room: string, peerId: () => string) {
  const seen = new Set<number>();
  const log = h('ol', { class: 'plain' });
  const box = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Room chat', tabindex: '0' }, log);
  const input = h('input', { name: 'message', autocomplete: 'off', maxlength: 4000 });
  const error = h('p', { class: 'error', role: 'alert' });
  const path = `/api/rooms/${encodeURIComponent(room)}/messages`;

  /** Appends `item`, keeping the log scrolled to the end if it was there (or `stick`). */
  function append(item: HTMLLIElement, stick = false) {
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    log.appendChild(item);
    if (nearBottom || stick) box.scrollTop = box.scrollHeight;
  }

  function add(m: ChatMessage, quiet = false) {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    const mine = m.peerId === peerId();
    // History is sorted by id; live messages normally arrive in order too.
    append(
      h(
        'li',
        { class: mine ? 'mine' : '' },
        h('span', { class: 'author' }, personName(m.user)),
        h('time', { datetime: m.createdAt }, formatTime(m.createdAt)),
        messageBody(m.body),
      ),
      mine || quiet,
    );
  }

  async function send(e: SubmitEvent) {
    e.preventDefault();
    error.textContent = '';
    const body = input.value.trim();
    if (!body) {
      error.textContent = 'Write something first.';
      return;
    }
    try {
      const { message } = await post<{ message: ChatMessage }>(path, { from: peerId(), body });
      input.value = '';
      add(message);
    } catch (err) {
      error.textContent = err instanceof ApiError && err.code === 'rate_limited' ? 'You are sending too fast; wait a moment.' : err instanceof Error ? err.message : 'Not sent.';
    }
  }

  const form = h('form', { class: 'chat-form', on: { submit: send } }, field('Message', input), h('button', { type: 'submit' }, 'Send'));

  return {
    section: h('section', { class: 'card chat', 'aria-labelledby': 'chat-h' }, h('h2', { id: 'chat-h' }, 'Chat'), box, form, error),
    /** The last messages, from before this tab joined. */
    async load() {
      try {
        const { messages } = await get<{ messages: ChatMessage[] }>(path);
        for (const m of messages) add(m, true);
      } catch {
        // The live events still arrive.
      }
    },
    add,
    /** A join or leave line. */
    notice(text: string) {
      append(h('li', { class: 'notice' }, text));
    },
  };
}
