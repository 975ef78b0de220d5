import type { CallOutcome, DirectMessage } from '../lib/types.js';

/** How a call entry of a conversation reads, and which way its icon points. */
export type CallLine = { words: string; icon: 'outgoing' | 'incoming' | 'missed' | 'declined' };

/** Outcomes the server counts as unread for the callee: they did not take part in the call. */
const UNREAD: ReadonlySet<CallOutcome> = new Set(['missed', 'cancelled', 'busy']);

/**
 * The words of a call entry from where `me` stands: the caller (who sent the entry) reads "No
 * answer" where the callee reads "Missed call". Undefined for an entry that is not a call.
 */
export function callLine(m: DirectMessage, me: string): CallLine | undefined {
  if (m.kind !== 'call' || !m.call) return undefined;
  const caller = m.from === me;
  switch (m.call.outcome) {
    case 'answered':
      return { words: m.call.durationS === undefined ? 'Call' : `Call · ${duration(m.call.durationS)}`, icon: caller ? 'outgoing' : 'incoming' };
    case 'declined':
      return { words: 'Declined', icon: 'declined' };
    case 'missed':
      return caller ? { words: 'No answer', icon: 'outgoing' } : { words: 'Missed call', icon: 'missed' };
    case 'cancelled':
      return caller ? { words: 'Cancelled', icon: 'outgoing' } : { words: 'Missed call', icon: 'missed' };
    case 'busy':
      return caller ? { words: 'Busy', icon: 'outgoing' } : { words: 'Missed call (you were in another call)', icon: 'missed' };
    default:
      return { words: 'Call', icon: caller ? 'outgoing' : 'incoming' };
  }
}

/** Whether a message counts as unread for its receiver, as the server counts it. */
export function countsUnread(m: DirectMessage): boolean {
  return m.kind !== 'call' || (!!m.call && UNREAD.has(m.call.outcome));
}

/** "35 s", "4 min", "1 h 5 min". */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** What a conversation list shows of a message: its text or a call's words (a kind this client does not know has no body). */
export function previewText(m: DirectMessage, me: string): string {
  return callLine(m, me)?.words ?? m.body;
}
