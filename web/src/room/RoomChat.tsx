import { useSignal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { ApiError, get, post } from '../lib/api.js';
import { formatTime } from '../lib/dom.js';
import type { ChatMessage } from '../lib/types.js';
import { PersonName } from '../ui/PersonName.js';
import type { RoomSession } from './room-session.js';
import './RoomChat.css';

type Line = { kind: 'message'; key: string; message: ChatMessage; mine: boolean } | { kind: 'notice'; key: string; text: string };

let noticeIds = 0;

/**
 * The room's text chat: its last messages, live ones, and the lines about people entering, leaving,
 * joining and leaving the call. The log is a live region, so new lines are read out. It scrolls to
 * a new line only when it was at the end already (or the line is your own), so reading back is
 * not interrupted. The lines live as long as the screen: the history is loaded again on return.
 */
export function RoomChat({ session, userId, id, hidden, onUnseen }: { session: RoomSession; userId: number; id: string; hidden: boolean; onUnseen(): void }) {
  const lines = useSignal<Line[]>([]);
  const error = useSignal('');
  const box = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const stick = useRef(true);
  // Read inside the event listeners, which outlive a render.
  const shown = useRef({ hidden, onUnseen });
  shown.current = { hidden, onUnseen };
  // What adds a line: set by the effect that owns the seen-ids, used by send for your own message.
  const sendRef = useRef<(m: ChatMessage) => void>(() => {});
  const path = `/api/rooms/${encodeURIComponent(session.name)}/messages`;

  useEffect(() => {
    const seen = new Set<number>();
    const atEnd = () => {
      const el = box.current;
      return !el || el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    };
    const add = (m: ChatMessage, quiet = false) => {
      if (seen.has(m.id)) return;
      seen.add(m.id);
      // Yours from any of your tabs, and from before a reload.
      const mine = m.user.id === userId;
      stick.current = stick.current || atEnd() || mine || quiet;
      lines.value = [...lines.value, { kind: 'message', key: `m${m.id}`, message: m, mine }];
      if (!quiet && !mine && shown.current.hidden) shown.current.onUnseen();
    };
    const stop = session.listen({
      chat: (m) => add(m),
      notice: (text) => {
        stick.current = stick.current || atEnd();
        lines.value = [...lines.value, { kind: 'notice', key: `n${++noticeIds}`, text }];
      },
    });
    let live = true;
    void get<{ messages: ChatMessage[] }>(path)
      .then(({ messages }) => {
        if (!live) return;
        for (const m of messages) add(m, true);
      })
      // The live events still arrive.
      .catch(() => {});
    sendRef.current = add;
    return () => {
      live = false;
      stop();
    };
  }, [session, userId]);

  useLayoutEffect(() => {
    if (stick.current && box.current) box.current.scrollTop = box.current.scrollHeight;
    stick.current = false;
  }, [lines.value]);
  // A hidden log has no size to scroll in: opening the chat shows its newest lines.
  useLayoutEffect(() => {
    if (!hidden && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [hidden]);

  async function send(e: Event) {
    e.preventDefault();
    error.value = '';
    const body = input.current!.value.trim();
    if (!body) {
      error.value = 'Write something first.';
      return;
    }
    try {
      const { message } = await post<{ message: ChatMessage }>(path, { from: session.peerId.value, body });
      input.current!.value = '';
      sendRef.current(message);
    } catch (err) {
      error.value =
        err instanceof ApiError && err.code === 'rate_limited' ? 'You are sending too fast; wait a moment.' : err instanceof Error ? err.message : 'Not sent.';
    }
  }

  return (
    <section class="panel room-chat" id={id} aria-labelledby={`${id}-h`} hidden={hidden}>
      <h2 id={`${id}-h`}>Chat</h2>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls, and a keyboard must reach it to scroll it. */}
      <div class="chat-log" ref={box} role="log" aria-live="polite" aria-label="Room chat" tabIndex={0}>
        {lines.value.length === 0 ? <p class="chat-empty">No messages yet. Say hello.</p> : null}
        <ol class="plain">
          {lines.value.map((l) =>
            l.kind === 'notice' ? (
              <li key={l.key} class="notice">
                {l.text}
              </li>
            ) : (
              <li key={l.key} class={l.mine ? 'mine' : undefined}>
                <span class="author">
                  <PersonName user={l.message.user} />
                </span>
                <time dateTime={l.message.createdAt}>{formatTime(l.message.createdAt)}</time>
                <p class="body" dir="auto">
                  {l.message.body}
                </p>
              </li>
            ),
          )}
        </ol>
      </div>
      <form class="chat-form" onSubmit={send}>
        <label class="visually-hidden" for={`${id}-input`}>
          Message
        </label>
        <input
          id={`${id}-input`}
          ref={input}
          name="message"
          autocomplete="off"
          maxLength={4000}
          placeholder="Message everyone"
          aria-describedby={error.value ? `${id}-error` : undefined}
          aria-invalid={error.value ? 'true' : undefined}
        />
        <button type="submit" class="primary">
          Send
        </button>
      </form>
      <p id={`${id}-error`} class="error" role="alert">
        {error.value}
      </p>
    </section>
  );
}
