import { DoorOpen } from 'lucide-preact';
import { useEffect, useState } from 'preact/hooks';
import { dmSession } from '../app/app-state.js';
import { formatTime } from '../lib/dom.js';
import { roomPath } from '../lib/router.js';
import type { DirectMessage } from '../lib/types.js';
import { inviteEnds, rememberInvite } from './pending-invites.js';
import './InviteEntry.css';

/**
 * An invite in a conversation, as a card: who invited whom to which room, until when, and for
 * the invitee a Join link that opens the room without its password. Once the invite has run out
 * it says so and offers no Join (the room would ask for the password).
 */
export function InviteEntry({ message, mine }: { message: DirectMessage; mine: boolean }) {
  const ends = inviteEnds(message);
  const expired = useExpired(ends);
  const room = message.invite?.room;
  const partner = mine ? message.to : message.from;
  const name = dmSession.value?.conversations.value.find((c) => c.with.username === partner)?.with.displayName ?? `@${partner}`;
  return (
    <li class={`invite-entry ${mine ? 'mine' : 'theirs'}`}>
      <span class="invite-icon" aria-hidden="true">
        <DoorOpen size={20} />
      </span>
      <div class="invite-main">
        <p class="invite-text">
          {!room ? (
            'An invite'
          ) : mine ? (
            <>
              You invited <bdi>{name}</bdi> to <strong>{room}</strong>
            </>
          ) : (
            <>
              <bdi>{name}</bdi> invited you to <strong>{room}</strong>
            </>
          )}
        </p>
        {ends !== undefined && (
          <p class="invite-note">
            {expired ? 'Invite expired' : `Valid until ${formatTime(new Date(ends).toISOString())}${mine ? '.' : ' — no password needed.'}`}
          </p>
        )}
        {room && !mine && !expired && (
          <a
            class="invite-join"
            href={roomPath(room)}
            data-link
            aria-label={`Join ${room}`}
            onClick={() => ends !== undefined && rememberInvite(message.to, room, ends)}
          >
            Join
          </a>
        )}
        <span class="meta">
          <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
        </span>
      </div>
    </li>
  );
}

/** Whether `ends` has passed, turning true when it does while the thread is shown. */
function useExpired(ends: number | undefined): boolean {
  const [expired, setExpired] = useState(() => ends !== undefined && ends <= Date.now());
  useEffect(() => {
    if (ends === undefined || expired) return;
    // setTimeout holds at most 2^31-1 ms; an invite lasts minutes, but its time comes from the wire.
    const timer = setTimeout(() => setExpired(true), Math.min(Math.max(0, ends - Date.now()), 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [ends, expired]);
  return expired;
}
