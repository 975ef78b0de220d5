/**
 * How much video each sender may send to each person. In a mesh every other person gets a copy of
 * the same camera or screen, so the uplink carries one copy per peer: a camera at full rate to
 * seven people would take several Mbit/s, more than many home uplinks hold. Each kind of video has
 * an uplink budget that is split between the peers, within a floor (below which the picture is
 * not worth sending) and a ceiling (above which one peer gains little).
 *
 * A screen gets the larger share and keeps its resolution (text must stay readable) while it
 * gives up frame rate; a camera gives up resolution instead (`contentHint`, set where the track
 * is opened, tells the encoder which to prefer).
 */
export type VideoKind = 'camera' | 'screen';

type Budget = { uplink: number; floor: number; ceiling: number };

const BUDGETS: Record<VideoKind, Budget> = {
  camera: { uplink: 1_500_000, floor: 150_000, ceiling: 600_000 },
  screen: { uplink: 3_000_000, floor: 300_000, ceiling: 1_500_000 },
};

type VideoCap = { maxBitrate: number; scaleResolutionDownBy?: number; maxFramerate?: number };

/** The cap for one sender of `kind` to each of `peers` people. */
export function videoCap(kind: VideoKind, peers: number): VideoCap {
  const b = BUDGETS[kind];
  const maxBitrate = Math.round(Math.min(b.ceiling, Math.max(b.floor, b.uplink / Math.max(1, peers))));
  if (kind === 'camera') return { maxBitrate, scaleResolutionDownBy: peers >= 4 ? 2 : 1 };
  return { maxBitrate, maxFramerate: peers >= 4 ? 10 : 15 };
}

/**
 * Applies `cap` to `sender`'s encodings. Before the first negotiation a sender may have no
 * encodings to set; the cap is applied again after every exchange (see Call).
 */
export async function capSender(sender: RTCRtpSender, cap: VideoCap): Promise<void> {
  const params = sender.getParameters();
  if (!params.encodings || params.encodings.length === 0) return;
  let changed = false;
  for (const encoding of params.encodings) {
    for (const [key, value] of Object.entries(cap) as Array<[keyof VideoCap, number | undefined]>) {
      if (value !== undefined && encoding[key] !== value) {
        encoding[key] = value;
        changed = true;
      }
    }
  }
  if (!changed) return;
  try {
    await sender.setParameters(params);
  } catch (err) {
    // A negotiation under way can make the parameters stale; the next exchange applies the cap again.
    console.warn('parley: video cap not applied', err);
  }
}
