import { effect } from '@preact/signals';
import { audioContext } from '../lib/sound.js';
import { roomSession } from './current-session.js';
import { canChooseSpeaker, mediaDevices } from './media-devices.js';

/**
 * Plays the call's remote audio from the shell, outside any screen: an
 * <audio> that left the document would pause, and the call goes on while the
 * person reads other screens. One element per remote member, and one more for
 * a screen they share with sound (a tab's audio).
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
  for (const key of [peerId, screenKey(peerId)]) {
    const audio = playing.get(key);
    if (audio) audio.volume = volume;
  }
}

const SCREEN = ':screen';
const screenKey = (peerId: string) => `${peerId}${SCREEN}`;

export function mountCallAudio(box: HTMLElement): void {
  audioBox = box;
  mediaDevices.start();
  effect(() => {
    const session = roomSession.value;
    const streams = new Map(session?.remoteStreams.value ?? []);
    for (const [who, media] of session?.media.remote.value ?? []) {
      if (media.screen && media.screen.getAudioTracks().length > 0) streams.set(screenKey(who), media.screen);
    }
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
      const peer = who.endsWith(SCREEN) ? who.slice(0, -SCREEN.length) : who;
      audio.dataset.peer = peer;
      if (peer !== who) audio.dataset.screen = '';
      audio.volume = peerVolume(peer);
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
