import { PhoneOff, RotateCcw } from 'lucide-preact';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { announce } from '../lib/dom.js';
import { dmPath } from '../lib/router.js';
import type { CallOutcome, User } from '../lib/types.js';
import { StageNotices } from '../room/StageNotices.js';
import { CallStage } from '../room/CallStage.js';
import { ControlBar } from '../room/ControlBar.js';
import { openRoomSession, releaseRoomSession } from '../room/current-session.js';
import type { RoomSession } from '../room/room-session.js';
import { TransfersSpot } from '../room/transfers-spot.js';
import { Avatar } from '../ui/Avatar.js';
import { PersonName } from '../ui/PersonName.js';
import type { DmCall, DmCalls } from './dm-calls.js';
import '../room/RoomScreen.css';
import './CallScreen.css';

/**
 * A call from a conversation, at its private room's address: the room's session (joined, and
 * in the call at once) shown as "Call with Ann": "Calling Ann…" with Cancel until she answers,
 * then the call's tiles and controls; how it ended if it did not happen. No room settings,
 * link, People or chat: there are two people and they have their conversation.
 */
export function CallRoute({ call, calls, user }: { call: DmCall; calls: DmCalls; user: User }) {
  const session = useMemo(() => openRoomSession(call.room, user), [call.room]);
  useEffect(() => () => releaseRoomSession(session), [session]);
  return (
    <div class="mount room-mount">
      <CallScreen call={call} calls={calls} session={session} />
    </div>
  );
}

function CallScreen({ call, calls, session }: { call: DmCall; calls: DmCalls; session: RoomSession }) {
  const root = useRef<HTMLElement>(null);
  const inCall = session.inCall.value;
  const name = call.with.displayName;
  // The other person in the room's call: answered, even when `call:accepted` was missed.
  const otherHere = [...session.members.value.values()].some((m) => m.user.username === call.with.username && m.inCall);
  useEffect(() => session.listen({ announce }), [session]);
  useEffect(() => void (otherHere && calls.answered(call.id)), [otherHere]);
  // When the button that had focus goes (Cancel, once answered), focus goes to Mute, else the heading.
  useLayoutEffect(() => {
    const active = document.activeElement;
    if (active && active !== document.body) return;
    root.current?.querySelector<HTMLElement>('[data-focus="mute"], h1')?.focus();
  }, [call.phase, inCall]);

  return (
    <section ref={root} class="screen room-screen call-screen">
      <div class="room-header">
        <h1 tabIndex={-1}>
          Call with <PersonName user={call.with} />
        </h1>
      </div>
      <p class="status" role="status">
        {session.status.value}
      </p>
      <div class="room-body">
        <div class="room-stage">
          <StageNotices session={session} />
          {call.phase === 'ended' ? (
            <div class="call-card">
              <Avatar name={name} />
              <p role="alert">{endedWords(call.outcome, name)}</p>
              <a href={dmPath(call.with.username)} data-link>
                Back to the conversation
              </a>
            </div>
          ) : call.phase === 'calling' ? (
            <div class="call-card">
              <Avatar name={name} />
              <p class="call-card-status" role="status">
                Calling <bdi>{name}</bdi>…
              </p>
              <button type="button" class="danger" onClick={() => calls.hangUp()}>
                <PhoneOff size={18} aria-hidden="true" />
                Cancel
              </button>
            </div>
          ) : inCall ? (
            <CallStage session={session} />
          ) : (
            <div class="call-card">
              <Avatar name={name} />
              <p class="call-card-status">{session.callError.value ? 'Not connected.' : 'Connecting…'}</p>
              <div class="actions">
                {session.callError.value ? (
                  <button type="button" onClick={() => void session.startCall()}>
                    <RotateCcw size={18} aria-hidden="true" />
                    Try again
                  </button>
                ) : null}
                <button type="button" class="danger" onClick={() => calls.hangUp()}>
                  <PhoneOff size={18} aria-hidden="true" />
                  Hang up
                </button>
              </div>
            </div>
          )}
          <TransfersSpot session={session} />
        </div>
      </div>
      {call.phase === 'active' && inCall ? <ControlBar session={session} /> : null}
    </section>
  );
}

/** How a call that did not happen ended, as its caller hears it. */
function endedWords(outcome: CallOutcome | undefined, name: string): string {
  switch (outcome) {
    case 'declined':
      return `${name} declined the call.`;
    case 'missed':
      return `No answer: ${name} did not pick up.`;
    case 'busy':
      return `${name} is busy in another call.`;
    case 'cancelled':
      return 'The call was cancelled.';
    default:
      return 'The call has ended.';
  }
}
