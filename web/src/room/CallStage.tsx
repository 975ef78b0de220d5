import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { RoomSession } from './room-session.js';
import { ParticipantTile } from './ParticipantTile.js';
import { SendFileButton } from './SendFileButton.js';
import { qualityOf, type Quality } from './quality.js';
import { VerifyCall } from './VerifyCall.js';
import './call-stage.css';

/** How often connection quality is read: often enough to notice trouble, rarely enough to cost nothing. */
const STATS_EVERY_MS = 2000;

/** The call as Meet shows it: a tile per person in the call, this tab's first. Shown only while in the call. */
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
  return (
    <ul class="call-stage" aria-label="In the call" data-count={Math.min(members.length, 10)}>
      {members.map((m) =>
        m.peerId === self ? (
          <ParticipantTile key={m.peerId} member={m} self stream={session.localStream.value} muted={session.muted.value} />
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
          />
        ),
      )}
    </ul>
  );
}
