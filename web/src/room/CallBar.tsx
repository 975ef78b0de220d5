import { CallTimer } from './CallTimer.js';
import { parseRoute, roomPath } from '../lib/router.js';
import { currentPath, releaseRoomSession, roomSession } from './current-session.js';
import type { RoomSession } from './room-session.js';
import { TransfersSpot } from './transfers-spot.js';
import './call-bar.css';

/**
 * The ongoing call on every other screen, as Meet and Discord keep it in view:
 * the room (a link back to it), how long the call has lasted, mute and leave (with push-to-talk
 * on, in place of mute: whether Space is held).
 * Hidden on the call's own room screen, which has these controls already. The call's file
 * transfers show under it, so that a file offered while the person reads Messages can be answered.
 */
export function CallBar() {
  const session = roomSession.value;
  if (!session?.inCall.value) return null;
  const route = parseRoute(currentPath.value);
  if (route.name === 'room' && route.room === session.name) return null;
  const muted = session.muted.value;
  return (
    <>
      <section class="call-bar" aria-label="Ongoing call">
        <span class="call-bar-dot" aria-hidden="true" />
        <a class="call-bar-room" href={roomPath(session.name)} data-link>
          {session.title.value === session.name ? <span class="visually-hidden">In a call in </span> : null}
          {session.title.value}
        </a>
        <CallTimer class="call-bar-timer" startedAt={session.startedAt.value} />
        <span class="call-bar-actions">
          {session.pushToTalk.value ? (
            <span class="call-bar-talk">{muted ? 'Hold Space to talk' : 'Talking'}</span>
          ) : (
            <button type="button" aria-pressed={muted} onClick={() => session.toggleMute()}>
              {muted ? 'Unmute' : 'Mute'}
            </button>
          )}
          <button type="button" class="leave" onClick={() => leave(session)}>
            Leave call
          </button>
        </span>
      </section>
      <TransfersSpot session={session} />
    </>
  );
}

/** Leaving the call away from the room screen leaves the room too: nothing shows it any more. */
function leave(session: RoomSession) {
  session.leaveCall();
  releaseRoomSession(session);
}
