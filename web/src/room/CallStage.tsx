import { useSignal } from '@preact/signals';
import { Maximize } from 'lucide-preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Member } from '../lib/types.js';
import type { RoomSession } from './room-session.js';
import { ParticipantTile } from './ParticipantTile.js';
import { SendFileButton } from './SendFileButton.js';
import { qualityOf, type Quality } from './quality.js';
import { VerifyCall } from './VerifyCall.js';
import { VideoView } from './VideoView.js';
import './call-stage.css';

/** How often connection quality is read: often enough to notice trouble, rarely enough to cost nothing. */
const STATS_EVERY_MS = 2000;

/**
 * The call as Meet shows it: a tile per person in the call, this tab's first, each with their
 * camera when it is on. While someone presents, their screen is the large tile and the people
 * are a strip beside it (below it on a phone); the latest to start presenting is the one shown,
 * and other screens being shared show as tiles of their own. Shown only while in the call.
 */
export function CallStage({ session }: { session: RoomSession }) {
  const qualities = useSignal<ReadonlyMap<string, Quality>>(new Map());
  const inCall = session.inCall.value;
  useEffect(() => {
    if (!inCall) return;
    // Loss is counted since the previous reading, so an old burst does not mark a link poor for ever.
    const before = new Map<string, { lost: number; received: number }>();
    let stopped = false;
    const read = async () => {
      const stats = await session.stats();
      if (stopped) return;
      const next = new Map<string, Quality>();
      for (const s of stats) {
        const b = before.get(s.peerId);
        const q = qualityOf(s, b?.lost, b?.received);
        if (q) next.set(s.peerId, q);
        before.set(s.peerId, { lost: s.packetsLost, received: s.packetsReceived });
      }
      qualities.value = next;
    };
    void read();
    const t = setInterval(() => void read(), STATS_EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [inCall, session]);
  if (!inCall) return null;
  const self = session.peerId.value;
  const members = [...session.members.value.values()].filter((m) => m.inCall || m.peerId === self);
  members.sort((a, b) => (a.peerId === self ? -1 : b.peerId === self ? 1 : 0));
  const streams = session.remoteStreams.value;
  const media = session.media.remote.value;
  const screens = sharedScreens(session, members);
  const shown = screens[0];
  const tiles = (
    <ul class={`call-stage${shown ? ' strip' : ''}`} aria-label="In the call" data-count={Math.min(members.length + Math.max(0, screens.length - 1), 10)}>
      {members.map((m) =>
        m.peerId === self ? (
          <ParticipantTile key={m.peerId} member={m} self stream={session.localStream.value} muted={session.muted.value} camera={session.media.camera.value} />
        ) : (
          <ParticipantTile
            key={m.peerId}
            member={m}
            self={false}
            stream={streams.get(m.peerId)}
            muted={m.muted}
            quality={qualities.value.get(m.peerId)}
            verify={
              <>
                <VerifyCall session={session} member={m} where="tile" />
                <SendFileButton session={session} to={m} where="tile" />
              </>
            }
            camera={media.get(m.peerId)?.camera}
          />
        ),
      )}
      {screens.slice(1).map((s) => (
        <li key={`screen-${s.member.peerId}`} class="tile screen-tile" data-screen={s.member.peerId}>
          <VideoView stream={s.stream} class="tile-video contain" label={screenName(s)} />
          <span class="tile-name">{screenName(s)}</span>
        </li>
      ))}
    </ul>
  );
  if (!shown) return tiles;
  return (
    <div class="call-stage presenting">
      <Presentation screen={shown} onStop={() => void session.media.toggleScreen()} />
      {tiles}
    </div>
  );
}

type SharedScreen = { member: Member; stream: MediaStream; self: boolean; since: number };

/** The screens being shared in the call, the latest first. */
function sharedScreens(session: RoomSession, members: Member[]): SharedScreen[] {
  const out: SharedScreen[] = [];
  for (const m of members) {
    if (m.peerId === session.peerId.value) {
      const own = session.media.screen.value;
      if (own) out.push({ member: m, stream: own, self: true, since: session.media.screenSince });
      continue;
    }
    const theirs = session.media.remote.value.get(m.peerId);
    if (theirs?.screen) out.push({ member: m, stream: theirs.screen, self: false, since: theirs.since ?? 0 });
  }
  return out.sort((a, b) => b.since - a.since);
}

function screenName(s: SharedScreen): string {
  return s.self ? 'Your screen' : `${s.member.user.displayName}’s screen`;
}

/** The large tile: the screen shown, with full screen for a closer look (on a phone, the way to read it). */
function Presentation({ screen, onStop }: { screen: SharedScreen; onStop(): void }) {
  const box = useRef<HTMLElement>(null);
  return (
    <figure ref={box} class="presentation" data-screen={screen.member.peerId}>
      <VideoView stream={screen.stream} class="presentation-video" label={screenName(screen)} />
      <figcaption class="presentation-bar">
        <span class="presentation-name">{screen.self ? 'You are presenting' : `${screen.member.user.displayName} is presenting`}</span>
        {screen.self ? (
          <button type="button" class="presentation-stop" onClick={onStop}>
            Stop presenting
          </button>
        ) : (
          <button type="button" class="presentation-full" title="Full screen" onClick={() => void box.current?.requestFullscreen?.().catch(() => {})}>
            <Maximize size={18} aria-hidden="true" />
            <span class="visually-hidden">Show {screenName(screen)} full screen</span>
          </button>
        )}
      </figcaption>
    </figure>
  );
}
