import { MessageSquare, Mic, MicOff, MonitorUp, MonitorX, PhoneOff, Users, Video, VideoOff } from 'lucide-preact';
import { CallTimer } from './CallTimer.js';
import { DevicesSpot } from './DevicesSpot.js';
import { SendFileButton } from './SendFileButton.js';
import type { RoomSession } from './room-session.js';
import { VerifyCall } from './VerifyCall.js';
import './ControlBar.css';

/** Phones' browsers cannot capture the screen: there, Present is not offered (watching works). */
const canShareScreen = typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';

export type Panels = { people: boolean; chat: boolean };
type PanelProps = { people: number; unseen: number; panels: Panels; panelIds: { people: string; chat: string }; toggle(panel: keyof Panels): void };

/**
 * The bar at the foot of the room, as in Meet: the time in the call on the left; mute, devices,
 * camera, present and leave (red) in the middle while in the call, with Verify between them when one other person is
 * in it (with more, each one's tile has its own; so on a phone, where a room's bar has no room
 * for it beside People and Chat); the People and Chat panels' toggles on the right.
 * Icon buttons, each named in words (visually hidden) with the same words as a tooltip. Without
 * `panels` (a call from a conversation, which has no People or Chat panel) only the call's controls.
 */
export function ControlBar(props: { session: RoomSession } & (PanelProps | { panels?: undefined })) {
  const { session } = props;
  const inCall = session.inCall.value;
  const muted = session.muted.value;
  const camera = session.media.camera.value !== null;
  const sharing = session.media.screen.value !== null;
  const others = [...session.members.value.values()].filter((m) => m.inCall && m.peerId !== session.peerId.value);
  return (
    <div class={`control-bar${props.panels ? ' with-panels' : ''}`} role="toolbar" aria-label="Call controls">
      <div class="control-side">
        <span class="control-room" aria-hidden="true">
          {session.title.value}
        </span>
        {inCall && session.startedAt.value ? <CallTimer class="control-timer" startedAt={session.startedAt.value} /> : null}
      </div>
      {inCall ? (
        <div class="control-main">
          {session.pushToTalk.value ? (
            <TalkButton session={session} />
          ) : (
            <button
              type="button"
              class={`control${muted ? ' off' : ''}`}
              data-focus="mute"
              aria-pressed={muted}
              title={muted ? 'Unmute your microphone' : 'Mute your microphone'}
              onClick={() => session.toggleMute()}
            >
              {muted ? <MicOff aria-hidden="true" size={22} /> : <Mic aria-hidden="true" size={22} />}
              <span class="control-label">{muted ? 'Unmute' : 'Mute'}</span>
            </button>
          )}
          <DevicesSpot session={session} where="bar" />
          <button
            type="button"
            class="control camera"
            aria-pressed={camera}
            title={camera ? 'Turn camera off' : 'Turn camera on'}
            onClick={() => void session.media.toggleCamera()}
          >
            {camera ? <Video aria-hidden="true" size={22} /> : <VideoOff aria-hidden="true" size={22} />}
            <span class="control-label">Camera</span>
          </button>
          {canShareScreen ? (
            <button
              type="button"
              class="control share"
              aria-pressed={sharing}
              title={sharing ? 'Stop presenting' : 'Present your screen, a window or a tab'}
              onClick={() => void session.media.toggleScreen()}
            >
              {sharing ? <MonitorX aria-hidden="true" size={22} /> : <MonitorUp aria-hidden="true" size={22} />}
              <span class="control-label">{sharing ? 'Stop presenting' : 'Present'}</span>
            </button>
          ) : null}
          {others.length === 1 ? <VerifyCall session={session} member={others[0]!} where="bar" /> : null}
          {others.length > 0 ? <SendFileButton session={session} where="bar" /> : null}
          <button type="button" class="control leave" title="Leave call" onClick={() => session.leaveCall()}>
            <PhoneOff aria-hidden="true" size={22} />
            <span class="control-label">Leave call</span>
          </button>
        </div>
      ) : null}
      {props.panels ? <PanelToggles {...props} /> : null}
    </div>
  );
}

/**
 * With push-to-talk on (push-to-talk.ts), in place of Mute: what Space does, and "Talking" while
 * it is held. Held down with a pointer (a phone has no Space bar), the button talks too.
 */
function TalkButton({ session }: { session: RoomSession }) {
  const talking = !session.muted.value;
  const hold = (on: boolean) => () => {
    if (on === talking) return;
    session.setMuted(!on);
  };
  return (
    <button
      type="button"
      class={`control talk${talking ? ' talking' : ''}`}
      data-focus="mute"
      aria-pressed={talking}
      title="Push to talk: hold Space, or hold this button"
      onPointerDown={hold(true)}
      onPointerUp={hold(false)}
      onPointerLeave={hold(false)}
      onPointerCancel={hold(false)}
      onContextMenu={(e) => e.preventDefault()}
    >
      {talking ? <Mic aria-hidden="true" size={22} /> : <MicOff aria-hidden="true" size={22} />}
      <span class="control-label">{talking ? 'Talking' : 'Hold Space to talk'}</span>
    </button>
  );
}

function PanelToggles(props: PanelProps) {
  const { panels, panelIds, toggle } = props;
  return (
    <div class="control-side control-panels">
      <button
        type="button"
        class="control"
        title="People"
        aria-pressed={panels.people}
        aria-expanded={panels.people}
        aria-controls={panelIds.people}
        onClick={() => toggle('people')}
      >
        <Users aria-hidden="true" size={22} />
        <span class="control-label">People</span>
        <span class="control-count">{props.people}</span>
      </button>
      <button
        type="button"
        class="control"
        title="Chat"
        aria-pressed={panels.chat}
        aria-expanded={panels.chat}
        aria-controls={panelIds.chat}
        onClick={() => toggle('chat')}
      >
        <MessageSquare aria-hidden="true" size={22} />
        <span class="control-label">Chat{props.unseen > 0 ? `, ${props.unseen} new` : ''}</span>
        {props.unseen > 0 ? <span class="control-dot" aria-hidden="true" /> : null}
      </button>
    </div>
  );
}
