import { ApiError, get, OUTAGE_TEXT } from '../lib/api.js';
import { announce, field, formatTime, h, replace, type Screen } from '../lib/dom.js';
import { dmPath, navigate } from '../lib/router.js';
import type { DirectMessage, Person, User } from '../lib/types.js';
import { effect } from '@preact/signals';
import { createElement, render } from 'preact';
import { DmAlertSettings } from './DmAlertSettings.js';
import { newClientId } from './dm-client.js';
import type { DmSession } from './dm-session.js';
import { messageBody, personName, personText } from '../lib/person.js';
import { block, listBlocked, unblock } from '../settings/settings-api.js';
import { ChevronLeft } from 'lucide-preact';
import { icon } from '../ui/icon.js';

const SELF_TEXT = 'You can’t send messages to yourself. Choose someone else.';

type Entry = {
  clientId: string;
  message?: DirectMessage;
  body: string;
  status: 'pending' | 'sent' | 'failed';
  error?: string;
  item?: HTMLLIElement;
};

const TYPING_SHOW_MS = 4000;
const TYPING_SEND_EVERY_MS = 2000;

/**
 * Direct messages at /dm and /dm/<username>: the conversations, newest
 * first, with unread counts and presence; and one conversation's history
 * ("Load older"), with pending → sent → "Seen" states, "Retry" for a failed
 * send (same clientId, so it is stored once), and a typing indicator. Every
 * tab receives every dm:message and dm:read, so all of a user's tabs stay in step.
 * The conversations, unread counts and presence come from the DmSession.
 */
export function renderDm(other: string | undefined, me: User, session: DmSession): Screen {
  const dm = session.client;
  // At phone width the list and a thread are separate views: the class says which one this is.
  const el = h('section', { class: `screen dm ${other ? 'dm-thread-view' : 'dm-list-view'}` });
  // Says when the page has lost its connection and is getting it back; empty otherwise.
  const status = h('p', { class: 'status', role: 'status' });
  const showStatus = () => (status.textContent = dm.status === 'reconnecting' ? 'Reconnecting…' : '');
  showStatus();
  const conversationList = h('ul', { class: 'conversations', 'aria-label': 'Conversations' });
  const offs: Array<() => void> = [];
  const start = h('input', { name: 'new-conversation', autocapitalize: 'none', spellcheck: 'false', maxlength: 32 });
  const startError = h('p', { class: 'error', role: 'alert' });
  const startForm = h(
    'form',
    {
      class: 'inline',
      on: {
        submit: (e: SubmitEvent) => {
          e.preventDefault();
          const who = start.value.trim().toLowerCase().replace(/^@/, '');
          startError.textContent = who === me.username ? SELF_TEXT : '';
          if (who && who !== me.username) navigate(dmPath(who));
        },
      },
    },
    field('Write to (username)', start),
    h('button', { type: 'submit' }, 'Open'),
    startError,
  );

  function renderConversations() {
    const list = session.conversations.value;
    // Not "No conversations yet" while Parley cannot be reached: we do not know.
    if (list.length === 0 && session.unreachable.value) return replace(conversationList, h('li', { class: 'error outage' }, OUTAGE_TEXT));
    if (list.length === 0) return replace(conversationList, h('li', { class: 'empty' }, 'No conversations yet.'));
    replace(
      conversationList,
      list.map((c) =>
        h(
          'li',
          { class: c.with.username === other ? 'current' : '' },
          h('span', { class: `presence ${c.with.online ? 'online' : ''}`, 'aria-hidden': 'true' }),
          h(
            'a',
            { href: dmPath(c.with.username), 'data-link': true, 'aria-current': c.with.username === other ? 'page' : undefined },
            personName(c.with),
            h('span', { class: 'visually-hidden' }, c.with.online ? ', online' : ', offline'),
          ),
          c.unread > 0 ? h('span', { class: 'badge', 'aria-label': `${c.unread} unread` }, String(c.unread)) : null,
          h('span', { class: 'preview', dir: 'auto' }, c.lastMessage.body.slice(0, 80)),
        ),
      ),
    );
  }


  // ---- one conversation ------------------------------------------------------------------
  const thread = h('ol', { class: 'plain' });
  const threadBox = h('div', { class: 'thread', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages', tabindex: '0' }, thread);
  const older = h('button', { type: 'button', hidden: true }, 'Load older');
  const typing = h('p', { class: 'typing', 'aria-live': 'polite' });
  const input = h('textarea', { name: 'message', rows: 2, maxlength: 4000 });
  const sendError = h('p', { class: 'error', role: 'alert' });
  const entries: Entry[] = [];
  const byId = new Map<number, Entry>();
  const byClientId = new Map<string, Entry>();
  let oldestId: number | undefined;
  let seenUpTo = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  // The display name once the other person is known; their username until then.
  let typingName = other ?? '';
  let lastTypingSent = 0;

  function renderEntry(entry: Entry) {
    const mine = entry.message ? entry.message.from === me.username : true;
    const li = entry.item ?? h('li');
    entry.item = li;
    li.className = mine ? 'mine' : 'theirs';
    const state =
      !mine
        ? null
        : entry.status === 'pending'
          ? h('span', { class: 'state' }, 'Sending…')
          : entry.status === 'failed'
            ? h('span', { class: 'state failed' }, `Not sent: ${entry.error ?? ''} `, h('button', { type: 'button', on: { click: () => void deliver(entry) } }, 'Retry'))
            : entry.message && entry.message.id <= seenUpTo
              ? h('span', { class: 'state seen' }, 'Seen')
              : h('span', { class: 'state' }, 'Sent');
    replace(
      li,
      messageBody(entry.body),
      h('span', { class: 'meta' }, entry.message ? h('time', { datetime: entry.message.createdAt }, formatTime(entry.message.createdAt)) : null, ' ', state),
    );
    return li;
  }

  function place(entry: Entry) {
    // Keep the thread ordered by id; pending messages (no id yet) stay at the end.
    const li = renderEntry(entry);
    const id = entry.message?.id;
    if (id === undefined) return void thread.appendChild(li);
    const after = entries.filter((e) => e !== entry && e.message && e.message.id > id).map((e) => e.item!).find((n) => n.isConnected);
    thread.insertBefore(li, after ?? firstPending() ?? null);
  }

  function firstPending(): HTMLLIElement | undefined {
    return entries.find((e) => !e.message && e.item?.isConnected)?.item;
  }

  function accept(message: DirectMessage) {
    if (byId.has(message.id)) return byId.get(message.id)!;
    let entry = message.from === me.username ? byClientId.get(message.clientId) : undefined;
    if (entry) {
      entry.message = message;
      entry.status = 'sent';
    } else {
      entry = { clientId: message.clientId, message, body: message.body, status: 'sent' };
      entries.push(entry);
      if (message.from === me.username) byClientId.set(message.clientId, entry);
    }
    byId.set(message.id, entry);
    place(entry);
    return entry;
  }

  const atBottom = () => threadBox.scrollHeight - threadBox.scrollTop - threadBox.clientHeight < 40;
  const toBottom = () => (threadBox.scrollTop = threadBox.scrollHeight);

  async function loadHistory(before?: number) {
    const q = new URLSearchParams({ limit: '50', ...(before ? { before: String(before) } : {}) });
    const page = await get<{ messages: DirectMessage[]; hasMore: boolean; theirReadUpTo?: number | null }>(
      `/api/dm/${encodeURIComponent(other!)}/messages?${q}`,
    );
    // Their read marker as stored: "Seen" after a reload and in a new tab (absent from older servers).
    if (typeof page.theirReadUpTo === 'number') seenUpTo = Math.max(seenUpTo, page.theirReadUpTo);
    const height = threadBox.scrollHeight;
    for (const m of page.messages) accept(m);
    if (page.messages[0]) oldestId = Math.min(oldestId ?? Infinity, page.messages[0].id);
    older.hidden = !page.hasMore;
    if (before) threadBox.scrollTop += threadBox.scrollHeight - height;
    else toBottom();
  }

  function markRead() {
    if (document.visibilityState !== 'visible') return;
    const last = [...byId.values()].filter((e) => e.message!.from === other).reduce((max, e) => Math.max(max, e.message!.id), 0);
    if (last > 0) dm.read(other!, last);
  }

  async function deliver(entry: Entry) {
    entry.status = 'pending';
    entry.error = undefined;
    renderEntry(entry);
    const ack = await dm.send(other!, entry.body, entry.clientId);
    if (ack.ok) {
      accept(ack.message);
      toBottom();
    } else {
      entry.status = 'failed';
      entry.error =
        ack.error.code === 'blocked'
          ? 'this person does not accept your messages.'
          : ack.error.code === 'rate_limited'
            ? 'you are sending too fast.'
            : ack.error.code === 'unknown_user'
              ? 'there is no such user.'
              : ack.error.code === 'unavailable'
                ? dm.connected
                  ? 'Parley could not store it.'
                  : 'Parley cannot be reached.'
                : ack.error.message;
      renderEntry(entry);
      announce('A message was not sent.');
    }
  }

  function send(e: Event) {
    e.preventDefault();
    sendError.textContent = '';
    const body = input.value.trim();
    if (!body) {
      sendError.textContent = 'Write something first.';
      return;
    }
    input.value = '';
    const entry: Entry = { clientId: newClientId(), body, status: 'pending' };
    entries.push(entry);
    byClientId.set(entry.clientId, entry);
    place(entry);
    toBottom();
    void deliver(entry);
  }

  input.addEventListener('keydown', (e) => {
    // Enter sends; Shift+Enter makes a new line.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
  });
  input.addEventListener('input', () => {
    if (other && Date.now() - lastTypingSent > TYPING_SEND_EVERY_MS && input.value.trim()) {
      lastTypingSent = Date.now();
      dm.typing(other);
    }
  });
  older.addEventListener('click', () => oldestId && void loadHistory(oldestId).catch(() => {}));

  async function openConversation(withUser: string) {
    if (withUser === me.username) {
      heading.textContent = 'Messages';
      replace(main, h('h2', {}, personName(me)), h('p', { class: 'error', role: 'alert' }, SELF_TEXT));
      return;
    }
    let person: Person | undefined = session.conversations.value.find((c) => c.with.username === withUser)?.with;
    try {
      const found = (await get<{ users: Person[] }>(`/api/users?q=${encodeURIComponent(withUser)}`)).users;
      person = found.find((u) => u.username === withUser) ?? person;
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) person = undefined;
    }
    if (!person) {
      replace(main, h('h2', {}, withUser), h('p', { role: 'alert', class: 'error' }, `There is no user called “${withUser}”.`));
      return;
    }
    const presence = h('span', { 'aria-hidden': 'true' });
    const presenceText = h('span', { class: 'visually-hidden' });
    const showPresence = (online: boolean) => {
      presence.className = `presence ${online ? 'online' : ''}`;
      presenceText.textContent = online ? 'online' : 'offline';
    };
    showPresence(person.online);
    const shown = person;
    typingName = shown.displayName;
    void showBlock(withUser);
    heading.textContent = `Messages with ${personText(shown)}`;
    document.title = `${heading.textContent} · Parley`;
    offs.push(
      effect(() => {
        const online = session.online.value.get(withUser);
        if (online !== undefined) showPresence(online);
      }),
      // Changes announced while this page was disconnected never reach it: ask again.
      dm.on('connected', () => {
        get<{ users: Person[] }>(`/api/users?q=${encodeURIComponent(withUser)}`)
          .then(({ users }) => {
            const found = users.find((u) => u.username === withUser);
            if (found) showPresence(found.online);
          })
          .catch(() => {});
      }),
    );
    replace(
      main,
      h('h2', {}, presence, personName(person), ' ', presenceText),
      older,
      threadBox,
      typing,
      h('form', { class: 'chat-form', on: { submit: send } }, field('Message', input), h('button', { type: 'submit' }, 'Send')),
      sendError,
    );
    try {
      await loadHistory();
      markRead();
    } catch (err) {
      sendError.textContent = err instanceof Error ? err.message : 'Could not load the conversation.';
    }
  }

  // ---- live events -----------------------------------------------------------------------
  offs.push(
    dm.on('message', (m) => {
      const partner = m.from === me.username ? m.to : m.from;
      if (partner !== other) return;
      const follow = atBottom();
      accept(m);
      if (m.from === other) {
        typing.textContent = '';
        markRead();
      }
      if (follow || m.from === me.username) toBottom();
    }),
    dm.on('read', (r) => {
      if (r.by === other && r.with === me.username) {
        // The other person read up to here: "Seen" under my messages up to it.
        seenUpTo = Math.max(seenUpTo, r.upTo);
        for (const e of byId.values()) if (e.message!.from === me.username) renderEntry(e);
      }
    }),
    dm.on('typing', (t) => {
      if (t.from !== other) return;
      typing.textContent = `${typingName} is typing…`;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.textContent = ''), TYPING_SHOW_MS);
    }),
    dm.on('status', showStatus),
    // After a reconnection, fetch what may have arrived meanwhile (the session refreshes the conversations).
    dm.on('connected', () => {
      if (other) void loadHistory().catch(() => {});
    }),
    effect(() => void renderConversations()),
  );
  session.openThread.value = other?.toLowerCase();
  const onVisible = () => other && markRead();
  document.addEventListener('visibilitychange', onVisible);

  const main = h('div', { class: 'card thread-card' });
  const back = h('a', { href: dmPath(), 'data-link': true, class: 'back-link' }, icon(ChevronLeft), 'Conversations');
  const settings = h('div', { class: 'mount' });
  render(createElement(DmAlertSettings, {}), settings);
  const heading = h('h1', {}, other ? `Messages with @${other}` : 'Messages');
  // Block / Unblock beside the heading: shown once the person is known to exist.
  const blockButton = h('button', { type: 'button', hidden: true, class: 'block-button' });
  // Not a live region: announce() speaks the change, and the screen's one status line stays its own.
  const blockStatus = h('span', { class: 'block-note' });
  let blocked = false;
  const showBlocked = (username: string) => {
    blockButton.textContent = blocked ? 'Unblock' : 'Block';
    blockButton.setAttribute('aria-describedby', 'block-what');
    blockStatus.textContent = blocked ? `You blocked @${username}: their messages do not reach you.` : '';
    blockButton.hidden = false;
  };
  async function showBlock(username: string) {
    try {
      blocked = (await listBlocked()).users.some((u) => u.username === username);
      showBlocked(username);
    } catch {
      // Without the list the button stays hidden; the conversation itself still works.
    }
    blockButton.onclick = async () => {
      try {
        await (blocked ? unblock(username) : block(username));
        blocked = !blocked;
        showBlocked(username);
        announce(blocked ? `Blocked @${username}.` : `Unblocked @${username}.`);
      } catch (err) {
        blockStatus.textContent = err instanceof ApiError ? err.message : 'Parley could not be reached. Try again.';
      }
    };
  }
  replace(
    el,
    other ? back : null,
    h('div', { class: 'dm-head' }, heading, blockButton, h('span', { id: 'block-what', class: 'visually-hidden' }, other ? `@${other}` : ''), blockStatus),
    status,
    h(
      'div',
      { class: 'columns dm-columns' },
      h('section', { class: 'card conv-card', 'aria-labelledby': 'conv-h' }, h('h2', { id: 'conv-h' }, 'Conversations'), conversationList, startForm, settings),
      main,
    ),
  );
  void session.reload();
  if (other) void openConversation(other.toLowerCase());
  else replace(main, h('p', {}, 'Choose a conversation, or write to someone by username.'));

  return {
    el,
    title: other ? `Messages with @${other}` : 'Messages',
    dispose() {
      for (const off of offs) off();
      render(null, settings);
      if (session.openThread.peek() === other?.toLowerCase()) session.openThread.value = undefined;
      clearTimeout(typingTimer);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
