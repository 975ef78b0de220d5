import { ChevronLeft } from 'lucide-preact';
import { dmPath } from '../lib/router.js';

/** Back to the conversations: shown only at phone width, where the list and a thread are separate views. */
export function BackLink() {
  return (
    <a href={dmPath()} data-link class="back-link">
      <ChevronLeft size={28} aria-hidden="true" />
      <span class="visually-hidden">Conversations</span>
    </a>
  );
}
