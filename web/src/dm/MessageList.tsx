import './MessageList.css';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { User } from '../lib/types.js';
import { MessageItem } from './MessageItem.js';
import type { ThreadModel } from './thread-model.js';

/**
 * The thread's messages as a log. It follows the newest message while the
 * reader is at the bottom (and always after their own), and keeps their
 * place when older messages are loaded above.
 */
export function MessageList({ model, me }: { model: ThreadModel; me: User }) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const height = useRef(0);
  const change = model.lastChange.value;
  const entries = model.entries.value;
  const seenUpTo = model.seenUpTo.value;

  useLayoutEffect(() => {
    const el = box.current!;
    if (change.kind === 'older') el.scrollTop += el.scrollHeight - height.current;
    else if (change.kind !== 'theirs' || atBottom.current) el.scrollTop = el.scrollHeight;
    height.current = el.scrollHeight;
  }, [change.n]);

  return (
    <div
      class="thread"
      role="log"
      aria-live="polite"
      aria-label="Messages"
      tabindex={0}
      ref={box}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        height.current = el.scrollHeight;
      }}
    >
      {entries.length === 0 && change.n > 0 && <p class="thread-empty">No messages yet. Say hello.</p>}
      <ol class="plain">
        {entries.map((e) => {
          const mine = e.message ? e.message.from === me.username : true;
          return <MessageItem key={e.clientId + (e.message?.id ?? '')} entry={e} mine={mine} seen={!!e.message && e.message.id <= seenUpTo} onRetry={() => model.retry(e)} />;
        })}
      </ol>
    </div>
  );
}
