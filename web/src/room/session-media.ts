import { signal } from '@preact/signals';
import type { Call } from './call.js';
import { mediaDevices } from './media-devices.js';
import type { VideoKind } from './video-caps.js';

type RemoteMedia = { camera?: MediaStream; screen?: MediaStream; since?: number };

/** What SessionMedia needs of its room session: the call now, and where its words go. */
type MediaHost = { call(): Call | undefined; error(words: string): void; announce(words: string): void };

/**
 * The cameras and screens of a room session's call, as signals that the stage and the control bar
 * render, and the intents that change this tab's (turning the camera on or off, choosing another,
 * presenting). The tracks themselves are the Call's; this keeps what the screens show of them,
 * and is emptied when the call ends (reset).
 */
export class SessionMedia {
  /** This tab's camera and screen while they are on. */
  readonly camera = signal<MediaStream | null>(null);
  readonly screen = signal<MediaStream | null>(null);
  /** Per other member: their camera and screen while they send them; `since` orders the screens (the latest is shown large). */
  readonly remote = signal<ReadonlyMap<string, RemoteMedia>>(new Map());
  /** When this tab's screen share started (0: not sharing), to compare with others' `since`. */
  screenSince = 0;

  constructor(private readonly host: MediaHost) {}

  /** `who` turned a camera or screen on (a stream) or off (undefined). */
  setRemote(who: string, kind: VideoKind, stream: MediaStream | undefined): void {
    const before = this.remote.value.get(who) ?? {};
    if (before[kind] === stream) return;
    const entry: RemoteMedia = { ...before, [kind]: stream };
    if (kind === 'screen') entry.since = stream ? Date.now() : undefined;
    const next = new Map(this.remote.value);
    if (entry.camera || entry.screen) next.set(who, entry);
    else next.delete(who);
    this.remote.value = next;
  }

  /** Turns this tab's camera on or off; every connection renegotiates to add or drop it. */
  async toggleCamera(): Promise<void> {
    const call = this.host.call();
    if (!call?.active) return;
    const on = !call.camera;
    try {
      await call.setCamera(on, mediaDevices.cameraId.value);
    } catch (err) {
      this.host.error(cameraError(err));
    }
    if (this.host.call() !== call) return;
    this.camera.value = call.camera;
    this.host.announce(call.camera ? 'Camera on.' : 'Camera off.');
  }

  /** Another camera: used at once while the camera is on, else the next time it is turned on. */
  async switchCamera(deviceId: string): Promise<void> {
    const call = this.host.call();
    if (!call?.camera) return;
    try {
      await call.switchCamera(deviceId);
    } catch (err) {
      this.host.error(cameraError(err));
      return;
    }
    if (this.host.call() !== call) return;
    this.camera.value = call.camera;
    this.host.announce('Camera changed.');
  }

  /** Starts sharing a screen, window or tab, or stops. */
  async toggleScreen(): Promise<void> {
    const call = this.host.call();
    if (!call?.active) return;
    if (call.screen) {
      call.stopScreen();
      this.screenStopped();
      return;
    }
    try {
      await call.startScreen(() => {
        if (this.host.call() === call) this.screenStopped();
      });
    } catch (err) {
      // Closing the browser's picker is a change of mind, not a failure.
      if ((err as DOMException).name !== 'NotAllowedError' && (err as DOMException).name !== 'AbortError') {
        this.host.error(`Your screen could not be shared: ${(err as Error).message}`);
      }
    }
    if (this.host.call() !== call || !call.screen) return;
    this.screenSince = Date.now();
    this.screen.value = call.screen;
    this.host.announce('You are presenting.');
  }

  private screenStopped() {
    this.screen.value = null;
    this.screenSince = 0;
    this.host.announce('You stopped presenting.');
  }

  /** The call ended: nothing of it is shown any more. */
  reset(): void {
    this.camera.value = null;
    this.screen.value = null;
    this.screenSince = 0;
    this.remote.value = new Map();
  }
}

/** Words for a camera that would not open. */
function cameraError(err: unknown): string {
  const name = (err as DOMException).name;
  if (name === 'NotAllowedError') return 'Parley may not use your camera. Allow it in the browser’s site settings, then try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found.';
  if (name === 'NotReadableError') return 'Your camera is in use by another program.';
  return `The camera could not be opened: ${(err as Error).message}`;
}
