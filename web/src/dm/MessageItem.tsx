import { InviteEntry } from '../invites/InviteEntry.js';
import { formatTime } from '../lib/dom.js';
import type { Entry } from './thread-model.js';

/** One message: its text, its time and, for mine, Sending… / Sent / Seen / Not sent with Retry. */
export function MessageItem({ entry, mine, seen, onRetry }: { entry: Entry; mine: boolean; seen: boolean; onRetry: () => void }) {
  const m = entry.message;
  // An invite to a room is a card with a Join link (web/src/invites).
  if (m?.kind === 'invite') return <InviteEntry message={m} mine={mine} />;
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
