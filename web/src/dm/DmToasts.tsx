import { X } from 'lucide-preact';
import { dmPath } from '../lib/router.js';
import { dismissToast, toasts } from './dm-alerts.js';
import './DmToasts.css';

/**
 * New DMs that arrive while another screen is shown (a room, say): a small
 * card each, announced politely, with a link to the conversation and a
 * close button; each hides by itself after a few seconds.
 */
export function DmToasts() {
  return (
    <div class="dm-toasts" role="status" aria-live="polite">
      {toasts.value.map((t) => (
        <div class="dm-toast" key={t.id}>
          <a href={dmPath(t.from.username)} data-link onClick={() => dismissToast(t.id)}>
            <span class="dm-toast-title">
              {t.call ? 'Missed call from' : 'New message from'} <bdi>{t.from.displayName}</bdi> <span class="handle">@{t.from.username}</span>
            </span>
            <span class="dm-toast-body" dir="auto">
              {t.body}
            </span>
          </a>
          <button
            type="button"
            class="dm-toast-close"
            aria-label={`Dismiss ${t.call ? 'missed call' : 'message'} from ${t.from.displayName}`}
            onClick={() => dismissToast(t.id)}
          >
            <X aria-hidden="true" size={20} />
          </button>
        </div>
      ))}
    </div>
  );
}
