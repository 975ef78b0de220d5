import { effect } from '@preact/signals';
import { audioContext } from '../lib/sound.js';
import { roomSession } from './current-session.js';
import { canChooseSpeaker, mediaDevices } from './media-devices.js';

/**
 * Plays the call's remote audio from the shell, outside any screen: an
 * <audio> that left the document would pause, and the call goes on while the
 * person reads other screens. One element per remote member.
 */
let audioBox: HTMLElement | undefined;
const playing = new Map<string, HTMLAudioElement>();
/** Per-person volume (0–1) chosen on the call stage; kept while the person's connection is renewed. */
const volumes = new Map<string, number>();

export function peerVolume(peerId: string): number {
  return volumes.get(peerId) ?? 1;
}

export function setPeerVolume(peerId: string, volume: number): void {
  volumes.set(peerId, volume);
  const audio = playing.get(peerId);
  if (audio) audio.volume = volume;
}

export function mountCallAudio(box: HTMLElement): void {
  audioBox = box;
  mediaDevices.start();
  effect(() => {
    const session = roomSession.value;
    const streams = session?.remoteStreams.value ?? new Map<string, MediaStream>();
    for (const [who, audio] of playing) {
      if (streams.get(who) === audio.srcObject) continue;
      audio.srcObject = null;
      audio.remove();
      playing.delete(who);
    }
    for (const [who, stream] of streams) {
      if (playing.has(who)) continue;
      const audio = document.createElement('audio');
      audio.autoplay = true;
      audio.dataset.peer = who;
      audio.volume = peerVolume(who);
      audio.srcObject = stream;
      box.appendChild(audio);
      playing.set(who, audio);
      applySpeaker(audio, mediaDevices.speakerId.peek());
      audio.play().catch(() => {
        // Autoplay was blocked: one click on the page lets the audio play.
        if (session) session.audioBlocked.value = true;
      });
    }
  });
  // The chosen speaker, on every element now and (above) on each one made later.
  effect(() => {
    const sinkId = mediaDevices.speakerId.value;
    for (const audio of playing.values()) applySpeaker(audio, sinkId);
  });
  // A chosen microphone unplugged mid-call: the call goes on with the default one.
  let lost = mediaDevices.microphoneLost.peek();
  effect(() => {
    if (mediaDevices.microphoneLost.value === lost) return;
    lost = mediaDevices.microphoneLost.value;
    const session = roomSession.peek();
    if (session?.inCall.peek()) void session.switchMicrophone('');
  });
}

/** '' is the system's default output. A device that cannot be used (gone, or not allowed) means the default, with a notice. */
function applySpeaker(audio: HTMLAudioElement, sinkId: string): void {
  if (!canChooseSpeaker || audio.sinkId === sinkId) return;
  audio.setSinkId(sinkId).catch((err: Error) => {
    if (mediaDevices.speakerId.peek() !== sinkId || !sinkId) return;
    mediaDevices.notice.value = `The chosen speaker could not be used (${err.message}); using the default.`;
    mediaDevices.chooseSpeaker('');
  });
}

/** The "Click to listen" intent: a user gesture that lets blocked audio play. */
export function resumeCallAudio(): void {
  audioContext();
  for (const audio of audioBox?.querySelectorAll('audio') ?? []) void audio.play().catch(() => {});
  const session = roomSession.value;
  if (session) session.audioBlocked.value = false;
}
