import { callLine } from '../calls/call-words.js';
import { CallEntryItem } from '../calls/CallEntryItem.js';
import { InviteEntry } from '../invites/InviteEntry.js';
import { formatTime } from '../lib/dom.js';
import type { Entry } from './thread-model.js';

/**
 * One message: its text, its time and, for mine, Sending… / Sent / Seen / Not sent with Retry.
 * A call's entry is a line of its own ("Missed call"); a kind this client does not know shows
 * its text if it has any, else nothing.
 */
export function MessageItem({ entry, me, mine, seen, onRetry }: { entry: Entry; me: string; mine: boolean; seen: boolean; onRetry: () => void }) {
  const m = entry.message;
  // An invite to a room is a card with a Join link (web/src/invites).
  if (m?.kind === 'invite') return <InviteEntry message={m} mine={mine} />;
  if (m && m.kind !== undefined && m.kind !== 'text') {
    const line = callLine(m, me);
    if (line) return <CallEntryItem line={line} createdAt={m.createdAt} />;
    if (!m.body) return null;
  }
  return (
    <li class={mine ? 'mine' : 'theirs'}>
      <p class="body" dir="auto">
        {entry.body}
      </p>
      <span class="meta">
        {m && <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>}{' '}
        {mine &&
          (entry.status === 'pending' ? (
            <span class="state">Sending…</span>
          ) : entry.status === 'failed' ? (
            <span class="state failed">
              Not sent: {entry.error ?? ''}{' '}
              <button type="button" class="retry" onClick={onRetry}>
                Retry
              </button>
            </span>
          ) : seen ? (
            <span class="state seen">Seen</span>
          ) : (
            <span class="state">Sent</span>
          ))}
      </span>
    </li>
  );
}
