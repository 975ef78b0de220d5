import { useEffect } from 'preact/hooks';
import { screenTitle } from '../app/app-state.js';
import { roomPath } from '../lib/router.js';
import type { RoomSession } from './room-session.js';

/**
 * Opening another room while in a call. A tab is in one call at a time, and a
 * link click must not silently end the call (Discord asks before moving you to
 * another voice channel; Meet says you are already in a call): ask.
 */
export function SwitchRoomScreen({ target, session, onLeft }: { target: string; session: RoomSession; onLeft: () => void }) {
  useEffect(() => {
    screenTitle.value = target;
  }, [target]);
  return (
    <section class="screen narrow">
      <h1>{target}</h1>
      <p>
        {session.title.value === session.name ? `You are in a call in “${session.name}”.` : `You are in a call (${session.title.value}).`} Opening “{target}”
        ends that call.
      </p>
      <div class="actions">
        <button
          type="button"
          class="primary"
          onClick={() => {
            session.leaveCall();
            session.leave();
            onLeft();
          }}
        >
          Leave call and open {target}
        </button>
        <a href={roomPath(session.name)} data-link>
          {session.title.value === session.name ? `Back to the call in ${session.name}` : 'Back to the call'}
        </a>
      </div>
    </section>
  );
}
