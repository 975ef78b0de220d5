import { computed, signal } from '@preact/signals';

/**
 * The microphones and speakers this browser offers and the ones the person chose, as signals
 * that the device check, the devices menu and the call's audio read. The choice is kept in
 * localStorage, so the next call (and the next visit) starts with it. Like Element Call's
 * media-devices context: one place that every screen asks, apart from the call itself.
 */
type Device = { id: string; label: string };
type DeviceKind = 'audioinput' | 'audiooutput' | 'videoinput';
/** 'unknown' until asked; 'prompt' means labels stay hidden until the person allows the microphone. */
type MicPermission = 'unknown' | 'prompt' | 'granted' | 'denied';

const MICROPHONE_KEY = 'parley:microphone';
const SPEAKER_KEY = 'parley:speaker';
const CAMERA_KEY = 'parley:camera';

/** Whether this browser can send a media element's sound to a chosen output (Chromium, Firefox 116+; not Safari). */
export const canChooseSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

function readChoice(key: string): Device | undefined {
  try {
    const d = JSON.parse(localStorage.getItem(key) ?? 'null') as Device | null;
    return d && typeof d.id === 'string' && typeof d.label === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}

function writeChoice(key: string, d: Device | undefined) {
  if (d?.id) localStorage.setItem(key, JSON.stringify(d));
  else localStorage.removeItem(key);
}

const UNNAMED: Record<DeviceKind, string> = { audioinput: 'Microphone', audiooutput: 'Speaker', videoinput: 'Camera' };

class MediaDeviceChoices {
  readonly microphones = signal<readonly Device[]>([]);
  readonly speakers = signal<readonly Device[]>([]);
  /** Cameras: listed once the microphone is allowed; their names may stay hidden until a camera is allowed too. */
  readonly cameras = signal<readonly Device[]>([]);
  /** The chosen devices' ids; '' is the system's default. */
  readonly microphoneId = signal(readChoice(MICROPHONE_KEY)?.id ?? '');
  readonly speakerId = signal(readChoice(SPEAKER_KEY)?.id ?? '');
  readonly cameraId = signal(readChoice(CAMERA_KEY)?.id ?? '');
  readonly permission = signal<MicPermission>('unknown');
  /** Words about a chosen device that went away (and that the default is used instead); '' otherwise. */
  readonly notice = signal('');
  /** Counts microphones that went away while chosen, so a call in progress can move to the default. */
  readonly microphoneLost = signal(0);
  /** Whether enumerateDevices has answered at least once. */
  readonly listed = signal(false);
  /** Browsers show device names only after the microphone was allowed. */
  readonly labelled = computed(() => this.microphones.value.some((d) => d.label !== ''));

  private started = false;

  /** Starts listening for plugged and unplugged devices and for the permission; idempotent. */
  start(): void {
    if (this.started || !navigator.mediaDevices) return;
    this.started = true;
    navigator.mediaDevices.addEventListener('devicechange', () => void this.refresh());
    void this.watchPermission();
    void this.refresh();
  }

  private async watchPermission() {
    try {
      const status = await navigator.permissions.query({ name: 'microphone' as PermissionName });
      const apply = () => {
        this.permission.value = status.state === 'granted' ? 'granted' : status.state === 'denied' ? 'denied' : 'prompt';
        if (status.state === 'granted') void this.refresh();
      };
      apply();
      status.addEventListener('change', apply);
    } catch {
      // Firefox before 131 does not know the 'microphone' permission: labels tell instead (refresh).
    }
  }

  async refresh(): Promise<void> {
    if (!navigator.mediaDevices) return;
    const all = await navigator.mediaDevices.enumerateDevices();
    const of = (kind: DeviceKind) =>
      all.filter((d) => d.kind === kind && d.deviceId !== '').map((d, i) => ({ id: d.deviceId, label: d.label || `${UNNAMED[kind]} ${i + 1}` }));
    const labelled = all.some((d) => d.kind === 'audioinput' && d.label !== '');
    // Before permission the browser hides names (and, in Chromium, ids): such a list says nothing.
    this.microphones.value = labelled ? of('audioinput') : [];
    this.speakers.value = labelled ? of('audiooutput') : [];
    this.cameras.value = labelled ? of('videoinput') : [];
    this.listed.value = true;
    if (labelled && this.permission.value !== 'granted') this.permission.value = 'granted';
    if (!labelled) return;
    const lost: string[] = [];
    if (this.microphoneId.value && !this.microphones.value.some((d) => d.id === this.microphoneId.value)) {
      lost.push(`The microphone “${readChoice(MICROPHONE_KEY)?.label ?? 'you chose'}” is not connected; using the default.`);
      this.chooseMicrophone('');
      this.microphoneLost.value++;
    }
    if (this.speakerId.value && !this.speakers.value.some((d) => d.id === this.speakerId.value)) {
      lost.push(`The speaker “${readChoice(SPEAKER_KEY)?.label ?? 'you chose'}” is not connected; using the default.`);
      this.chooseSpeaker('');
    }
    // A camera that went away is no news until it is turned on: the default one is used then.
    if (this.cameraId.value && !this.cameras.value.some((d) => d.id === this.cameraId.value)) this.chooseCamera('');
    if (lost.length > 0) this.notice.value = lost.join(' ');
  }

  chooseMicrophone(id: string): void {
    this.microphoneId.value = id;
    writeChoice(
      MICROPHONE_KEY,
      this.microphones.value.find((d) => d.id === id),
    );
  }

  chooseSpeaker(id: string): void {
    this.speakerId.value = id;
    writeChoice(
      SPEAKER_KEY,
      this.speakers.value.find((d) => d.id === id),
    );
  }

  chooseCamera(id: string): void {
    this.cameraId.value = id;
    writeChoice(
      CAMERA_KEY,
      this.cameras.value.find((d) => d.id === id),
    );
  }

  shownCamera(): string {
    return this.cameraId.value || this.cameras.value[0]?.id || '';
  }

  /** The microphone a new call should open: the choice while it is there, else the default (undefined). */
  microphoneForCall(): string | undefined {
    return this.microphoneId.value || undefined;
  }

  /** What the select shows: the choice, or the list's first (the system default in Chromium). */
  shownMicrophone(): string {
    return this.microphoneId.value || this.microphones.value[0]?.id || '';
  }

  shownSpeaker(): string {
    return this.speakerId.value || this.speakers.value[0]?.id || '';
  }
}

export const mediaDevices = new MediaDeviceChoices();

/**
 * getUserMedia with the chosen device (`deviceId`, from `constraints(deviceId)`); when that
 * device is gone (unplugged since it was chosen), the default one (`constraints(undefined)`).
 */
export async function openChosenOrDefault(deviceId: string | undefined, constraints: (id?: string) => MediaStreamConstraints): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints(deviceId || undefined));
  } catch (err) {
    if (!deviceId || !['OverconstrainedError', 'NotFoundError'].includes((err as DOMException).name)) throw err;
    return navigator.mediaDevices.getUserMedia(constraints());
  }
}

/**
 * A short tone through the chosen output, so the person hears where the call will sound. An
 * <audio> element carries it (and not the AudioContext itself), because media elements are what
 * setSinkId can point at in every browser that has it.
 */
export async function playTestTone(ctx: AudioContext, sinkId: string): Promise<void> {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  const out = ctx.createMediaStreamDestination();
  const now = ctx.currentTime;
  osc.frequency.setValueAtTime(440, now);
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.2, now + 0.03);
  gain.gain.setValueAtTime(0.2, now + 0.5);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.6);
  osc.connect(gain).connect(out);
  const audio = document.createElement('audio');
  if (canChooseSpeaker && sinkId) await audio.setSinkId(sinkId);
  audio.srcObject = out.stream;
  osc.start(now);
  osc.stop(now + 0.65);
  await audio.play();
  await new Promise<void>((resolve) => (osc.onended = () => resolve()));
  audio.pause();
  audio.srcObject = null;
  osc.disconnect();
  gain.disconnect();
}
