import { audioContext } from '../lib/sound.js';
import processorUrl from './noise-gate-processor.ts?worker&url';

/**
 * The noise gate between the microphone and the call: MediaStreamAudioSourceNode → the gate
 * (noise-gate-processor.ts: it measures the level and sets the gain, on the audio thread) →
 * MediaStreamAudioDestinationNode, whose track is what the connections send. Sound goes out only
 * while it is louder than the threshold, and for 250 ms after, so words are not clipped.
 */
const HOLD_MS = 250;
const RESUME_WAIT_MS = 500;

/** Per context, the processor's module, added once. */
const loaded = new WeakMap<AudioContext, Promise<void>>();
/** Per gated track, what stops it all: the raw microphone and the nodes. */
const releases = new WeakMap<MediaStreamTrack, () => void>();

/**
 * The gated stream made from `raw`; `raw` itself when the page's AudioContext is not running
 * (opened without a click, after a reload: a suspended context would send silence, and a person
 * heard with the noise is better than one not heard at all). The gate then applies from the next
 * time the microphone opens.
 */
export async function gate(raw: MediaStream, thresholdDb: number): Promise<MediaStream> {
  const ctx = audioContext();
  // Resuming takes a moment even when allowed (a click on Join call); without a click it may never come.
  if (ctx.state !== 'running') await Promise.race([ctx.resume().catch(() => {}), new Promise((r) => setTimeout(r, RESUME_WAIT_MS))]);
  if (ctx.state !== 'running') return raw;
  let ready = loaded.get(ctx);
  if (!ready) {
    ready = ctx.audioWorklet.addModule(processorUrl);
    loaded.set(ctx, ready);
    ready.catch(() => loaded.delete(ctx));
  }
  await ready;
  const source = ctx.createMediaStreamSource(raw);
  const node = new AudioWorkletNode(ctx, 'noise-gate', {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    processorOptions: { thresholdDb, holdMs: HOLD_MS },
  });
  const out = new MediaStreamAudioDestinationNode(ctx, { channelCount: 1 });
  source.connect(node).connect(out);
  const track = out.stream.getAudioTracks()[0]!;
  releases.set(track, () => {
    source.disconnect();
    node.disconnect();
    for (const t of raw.getTracks()) t.stop();
  });
  return out.stream;
}

/** After a gated track was stopped: stops its microphone and takes the nodes apart. Nothing for any other track. */
export function release(track: MediaStreamTrack): void {
  releases.get(track)?.();
  releases.delete(track);
}
