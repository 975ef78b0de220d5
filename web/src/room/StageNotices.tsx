import { resumeCallAudio } from './call-audio.js';
import type { RoomSession } from './room-session.js';

/** Above a call's stage, in a room or a call from a conversation: why the call failed, and "Click to listen" when the browser held the audio back. */
export function StageNotices({ session }: { session: RoomSession }) {
  return (
    <>
      <p class="error" role="alert">
        {session.callError.value}
      </p>
      {session.audioBlocked.value ? (
        <button type="button" class="primary room-listen" onClick={() => resumeCallAudio()}>
          Click to listen
        </button>
      ) : null}
    </>
  );
}
