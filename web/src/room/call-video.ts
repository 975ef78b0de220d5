import { stopStream } from './call.js';
import { openChosenOrDefault } from './media-devices.js';
import { capSender, videoCap, type VideoKind } from './video-caps.js';

/**
 * Opening a camera or a screen and capping what is sent of them: a chunk of its own, fetched
 * the first time someone in a call turns a camera on or presents (Call.video), so that the page's
 * first load does not carry it.
 */

/** The chosen camera ('' the default); when it is gone, the default one. */
export async function openCamera(deviceId: string): Promise<MediaStream> {
  const video = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24 } };
  const stream = await openChosenOrDefault(deviceId, (id) => ({ video: id ? { ...video, deviceId: { exact: id } } : video, audio: false }));
  for (const t of stream.getVideoTracks()) t.contentHint = 'motion';
  return stream;
}

/** A screen, window or tab the person picks, with its sound where the browser offers it; undefined without a picture. */
export async function openScreen(): Promise<MediaStream | undefined> {
  const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: true });
  const video = stream.getVideoTracks()[0];
  if (!video) {
    stopStream(stream);
    return undefined;
  }
  // Text must stay readable: the encoder gives up frame rate before resolution.
  video.contentHint = 'detail';
  return stream;
}

/** Caps each video sender of `pc` for `peers` people in the call (video-caps.ts); `screen` tells a screen's tracks from a camera's. */
export async function capVideoSenders(pc: RTCPeerConnection, screen: MediaStream | null, peers: number): Promise<void> {
  for (const sender of pc.getSenders()) {
    const track = sender.track;
    if (track?.kind !== 'video') continue;
    const kind: VideoKind = screen?.getTracks().includes(track) ? 'screen' : 'camera';
    await capSender(sender, videoCap(kind, peers));
  }
}
