import './MessageList.css';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { User } from '../lib/types.js';
import { MessageItem } from './MessageItem.js';
import type { Entry, ThreadModel } from './thread-model.js';

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
        {entries.map((e, i) => {
          const mine = e.message ? e.message.from === me.username : true;
          const day = dayOf(e);
          const item = (
            <MessageItem
              key={e.clientId + (e.message?.id ?? '')}
              entry={e}
              me={me.username}
              mine={mine}
              seen={!!e.message && e.message.id <= seenUpTo}
              onRetry={() => model.retry(e)}
            />
          );
          // A line with the day above the first message of each day, as chat apps do.
          if (i > 0 && dayOf(entries[i - 1]!) === day) return item;
          return [
            <li key={`day-${day}`} class="day">
              <span>{dayLabel(day)}</span>
            </li>,
            item,
          ];
        })}
      </ol>
    </div>
  );
}

/** The local day of a message (now, for one not stored yet), as YYYY-MM-DD. */
function dayOf(e: Entry): string {
  const d = e.message ? new Date(e.message.createdAt) : new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  const today = new Date();
  const startOfToday = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  const days = Math.round((startOfToday.getTime() - date.getTime()) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return date.toLocaleDateString([], {
    weekday: days < 7 ? 'long' : undefined,
    day: 'numeric',
    month: 'long',
    year: y === today.getFullYear() ? undefined : 'numeric',
  });
}
