import { PhoneIncoming, PhoneMissed, PhoneOff, PhoneOutgoing } from 'lucide-preact';
import { formatTime } from '../lib/dom.js';
import type { CallLine } from './call-words.js';
import './CallEntryItem.css';

const ICONS = { outgoing: PhoneOutgoing, incoming: PhoneIncoming, missed: PhoneMissed, declined: PhoneOff };

/** A call in a conversation's history: a centred line of its own, not a bubble ("Missed call · 14:02"). */
export function CallEntryItem({ line, createdAt }: { line: CallLine; createdAt: string }) {
  const Icon = ICONS[line.icon];
  return (
    <li class={`call-entry call-${line.icon}`}>
      <Icon size={16} aria-hidden="true" />
      <span class="call-words">{line.words}</span>
      <time dateTime={createdAt}>{formatTime(createdAt)}</time>
    </li>
  );
}
