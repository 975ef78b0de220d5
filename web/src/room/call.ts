import type { SignalType } from '../lib/types.js';
import { callCode } from './call-code.js';
import { PeerLink } from './peer-link.js';
import type { VideoKind } from './video-caps.js';

/**
 * The call of one room: a small mesh, one PeerLink per other member in the
 * call. The caller who joins the call connects to everyone already in it;
 * those answer. Each side sends its microphone, and its camera and screen
 * while they are on: turning one on or off adds or removes tracks, and the
 * links renegotiate. Leaving closes every connection and stops every track.
 *
 * Which remote stream is a camera and which a screen: each offer and answer
 * this side sends carries `media`, its video streams' ids (the msid in the
 * SDP) with their kinds. The server relays signal data as it is; a stream
 * not named there is the microphone, or a camera when it has video.
 */
type CallEvents = {
  signal(to: string, type: SignalType, data: unknown): void;
  /** The stream of `peerId`'s microphone (what the call's audio plays). */
  onRemoteStream(peerId: string, stream: MediaStream): void;
  /** `peerId` turned a camera or screen on (a stream), or off (undefined). */
  onRemoteMedia(peerId: string, kind: VideoKind, stream: MediaStream | undefined): void;
  onPeerState(peerId: string, state: RTCPeerConnectionState): void;
  /** The code of the connection to `peerId` (call-code.ts) is new, or gone (undefined) with that connection. */
  onCallCode(peerId: string, code: number[] | undefined): void;
  onDataChannel(peerId: string, channel: RTCDataChannel): void;
};

const RELAY_ONLY_KEY = 'parley:ice-relay-only';

type MediaLabels = Record<string, VideoKind>;

export class Call {
  local: MediaStream | null = null;
  camera: MediaStream | null = null;
  screen: MediaStream | null = null;
  // Per peer: the kinds of the video streams it sends, from its last offer or answer.
  private readonly remoteLabels = new Map<string, MediaLabels>();
  // Opening cameras and screens and capping them (call-video.ts), fetched when first used.
  private video: typeof import('./call-video.js') | undefined;
  readonly links = new Map<string, PeerLink>();
  // Per peer: links replaced by a fresh one since that peer last connected (see PeerLink.onStuck).
  private readonly freshStarts = new Map<string, number>();
  // Per peer: codes asked for, so that a hash that finishes after a later one is dropped.
  private readonly codeRequests = new Map<string, number>();
  muted = false;
  startedAt = 0;

  constructor(
    private readonly selfId: string,
    private readonly rtcConfig: RTCConfiguration,
    private readonly events: CallEvents,
  ) {}

  get active(): boolean {
    return this.local !== null;
  }

  /** `opened`: the microphone, when it was opened ahead (see RoomSession.enter). */
  async start(deviceId?: string, opened?: Promise<MediaStream>): Promise<void> {
    this.local = await (opened ?? openMicrophone(deviceId));
    this.startedAt = Date.now();
    this.muted = false;
  }

  connect(peerId: string): void {
    if (!this.active || this.links.has(peerId)) return;
    this.link(peerId).start();
    this.capAll();
  }

  private link(peerId: string): PeerLink {
    let link = this.links.get(peerId);
    if (!link) {
      const mine: PeerLink = new PeerLink(
        this.selfId,
        peerId,
        this.rtcConfig,
        () => [this.local, this.camera, this.screen].filter((m): m is MediaStream => m !== null),
        {
          signal: (type, data) =>
            this.events.signal(peerId, type, type === 'offer' || type === 'answer' ? { ...(data as object), media: this.labels() } : data),
          onTrack: (stream) => this.remoteTrack(peerId, stream),
          onState: (state) => {
            if (state === 'connected') this.freshStarts.delete(peerId);
            // A replaced link's own 'closed' is not news: its successor reports from now on.
            if (this.links.get(peerId) === mine || state !== 'closed') this.events.onPeerState(peerId, state);
          },
          onStuck: () => this.startAfresh(peerId, mine),
          onDescriptions: (local, remote) => {
            void this.reportCode(peerId, mine, local, remote);
            void this.capLink(mine);
          },
          onDataChannel: (channel) => this.events.onDataChannel(peerId, channel),
        },
        this.freshStarts.get(peerId) ?? 0,
      );
      link = mine;
      this.links.set(peerId, link);
    }
    return link;
  }

  private async reportCode(peerId: string, link: PeerLink, local: string, remote: string) {
    const request = (this.codeRequests.get(peerId) ?? 0) + 1;
    this.codeRequests.set(peerId, request);
    const code = await callCode(local, remote);
    if (this.links.get(peerId) !== link || this.codeRequests.get(peerId) !== request) return;
    this.events.onCallCode(peerId, code);
  }

  /** What this side's video streams are, for the other side to tell a screen from a camera. */
  private labels(): MediaLabels {
    const out: MediaLabels = {};
    if (this.camera) out[this.camera.id] = 'camera';
    if (this.screen) out[this.screen.id] = 'screen';
    return out;
  }

  private remoteTrack(peerId: string, stream: MediaStream) {
    const named = this.remoteLabels.get(peerId)?.[stream.id];
    const kind: VideoKind | undefined = named ?? (stream.getVideoTracks().length > 0 ? 'camera' : undefined);
    if (!kind) return this.events.onRemoteStream(peerId, stream);
    this.events.onRemoteMedia(peerId, kind, stream);
    // The other side stopped sending it: the renegotiation removes its tracks from the stream.
    stream.onremovetrack = () => {
      if (stream.getVideoTracks().length === 0) this.events.onRemoteMedia(peerId, kind, undefined);
    };
  }

  async handleSignal(from: string, type: SignalType, data: unknown): Promise<void> {
    if (type === 'hangup') return this.drop(from);
    if ((type === 'offer' || type === 'answer') && data && typeof data === 'object') this.rememberLabels(from, (data as { media?: unknown }).media);
    // Not in the call: offers are declined, so the caller stops trying.
    if (!this.active) {
      if (type === 'offer') this.events.signal(from, 'hangup', null);
      return;
    }
    if (type !== 'offer' && !this.links.has(from)) return;
    await this.link(from).handle(type, data);
  }

  /**
   * Replaces a stuck link with a fresh connection: `hangup` makes the other side drop its own
   * (signals arrive in the order sent), and the fresh link's offer makes it a new one.
   */
  private startAfresh(peerId: string, stuck: PeerLink) {
    if (this.links.get(peerId) !== stuck || !this.active) return;
    this.freshStarts.set(peerId, (this.freshStarts.get(peerId) ?? 0) + 1);
    this.links.delete(peerId);
    stuck.close();
    this.events.onCallCode(peerId, undefined);
    this.forgetMedia(peerId);
    this.events.signal(peerId, 'hangup', null);
    this.connect(peerId);
  }

  /** A connection gone: what came over it is gone with it (a fresh one brings its own). */
  private forgetMedia(peerId: string) {
    this.remoteLabels.delete(peerId);
    this.events.onRemoteMedia(peerId, 'camera', undefined);
    this.events.onRemoteMedia(peerId, 'screen', undefined);
  }

  /** Keeps the well-formed part of a peer's `media`: stream ids with a kind this side knows. */
  private rememberLabels(peerId: string, media: unknown) {
    if (!media || typeof media !== 'object') return;
    const labels: MediaLabels = {};
    for (const [id, kind] of Object.entries(media).slice(0, 8)) if (kind === 'camera' || kind === 'screen') labels[id] = kind;
    this.remoteLabels.set(peerId, labels);
  }

  /** A data channel on the connection to `peerId` (file transfers); undefined without one. */
  openChannel(peerId: string, label: string): RTCDataChannel | undefined {
    return this.links.get(peerId)?.openChannel(label);
  }

  drop(peerId: string): void {
    const link = this.links.get(peerId);
    if (!link) return;
    link.close();
    this.links.delete(peerId);
    this.events.onCallCode(peerId, undefined);
    this.forgetMedia(peerId);
    // One peer fewer: the others may each get a larger share of the uplink.
    this.capAll();
  }

  // ---- camera and screen -----------------------------------------------------------
  /** Turns the camera on (`deviceId`, '' for the default) or off; every link renegotiates. */
  async setCamera(on: boolean, deviceId = ''): Promise<void> {
    if (!this.active) return;
    if (!on) return this.stopVideo('camera');
    if (this.camera) return;
    const stream = await (await this.loadVideo()).openCamera(deviceId);
    if (!this.active || this.camera) return stopStream(stream);
    this.camera = stream;
    this.sendToAll();
  }

  /** Another camera while the camera is on: its track replaces the old one on every connection, without renegotiating. */
  async switchCamera(deviceId: string): Promise<void> {
    const before = this.camera;
    if (!before) return;
    const next = await (await this.loadVideo()).openCamera(deviceId);
    const old = before.getVideoTracks()[0];
    const track = next.getVideoTracks()[0];
    if (this.camera !== before || !old || !track) return stopStream(next);
    await this.replaceEverywhere(old, track);
    if (this.camera !== before) return stopStream(next);
    stopStream(before);
    this.camera = next;
  }

  /**
   * Shares a screen, window or tab the person picks (with the tab's sound when the browser
   * offers it). The browser's own "Stop sharing" ends the track, which ends the share here too.
   */
  async startScreen(onEnded: () => void): Promise<void> {
    if (!this.active || this.screen) return;
    const stream = await (await this.loadVideo()).openScreen();
    if (!stream) return;
    if (!this.active || this.screen) return stopStream(stream);
    stream.getVideoTracks()[0]?.addEventListener('ended', () => {
      if (this.screen !== stream) return;
      this.stopVideo('screen');
      onEnded();
    });
    this.screen = stream;
    this.sendToAll();
  }

  stopScreen(): void {
    this.stopVideo('screen');
  }

  private stopVideo(kind: VideoKind) {
    const stream = kind === 'camera' ? this.camera : this.screen;
    if (!stream) return;
    if (kind === 'camera') this.camera = null;
    else this.screen = null;
    const tracks = stream.getTracks();
    for (const link of this.links.values()) link.stopSending(tracks);
    stopStream(stream);
  }

  private sendToAll() {
    for (const link of this.links.values()) link.sendLocal();
    this.capAll();
  }

  private capAll() {
    for (const link of this.links.values()) void this.capLink(link);
  }

  /** Caps each video sender of `link` for the number of people in the call now; before any camera or screen, there are none. */
  private async capLink(link: PeerLink) {
    await this.video?.capVideoSenders(link.pc, this.screen, this.links.size);
  }

  private async loadVideo(): Promise<typeof import('./call-video.js')> {
    this.video ??= await import('./call-video.js');
    return this.video;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.local?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  /**
   * Switches microphone mid-call ('' is the default one): the new track replaces the old on every
   * connection's sender (RTCRtpSender.replaceTrack, no new offer), and keeps the mute. Also
   * how a changed audio setting (noise suppression, noise gate) takes effect mid-call.
   */
  async switchMicrophone(deviceId: string): Promise<void> {
    if (!this.local) return;
    const next = await openMicrophone(deviceId || undefined);
    const track = next.getAudioTracks()[0];
    // The call ended while the microphone was opening: nothing may keep it on.
    if (!track || !this.local) return stopStream(next);
    track.enabled = !this.muted;
    const old = this.local.getAudioTracks()[0];
    if (old) await this.replaceEverywhere(old, track);
    if (!this.local) return stopStream(next);
    stopStream(this.local);
    this.local = next;
  }

  /** Sends `track` in place of `old` on every connection (RTCRtpSender.replaceTrack: no new offer). */
  private replaceEverywhere(old: MediaStreamTrack, track: MediaStreamTrack): Promise<unknown> {
    return Promise.all([...this.links.values()].map((l) => l.replaceTrack(old, track)));
  }

  stop(): void {
    for (const peerId of [...this.links.keys()]) this.drop(peerId);
    for (const m of [this.local, this.camera, this.screen]) if (m) stopStream(m);
    this.local = null;
    this.camera = null;
    this.screen = null;
    this.startedAt = 0;
  }
}

/**
 * Opening the microphone and processing it (noise suppression, the noise gate: microphone.ts)
 * are a chunk of their own, fetched with the first call.
 */
let microphone: typeof import('./microphone.js') | undefined;

/** The chosen microphone as the audio settings say; when it is gone (unplugged since it was chosen), the default one. */
export async function openMicrophone(deviceId?: string): Promise<MediaStream> {
  microphone ??= await import('./microphone.js');
  return microphone.openMicrophone(deviceId);
}

/** Stops every track of `stream` and, for a gated one, the microphone behind it. */
export function stopStream(stream: MediaStream): void {
  for (const t of stream.getTracks()) {
    t.stop();
    microphone?.release(t);
  }
}

/** The RTCConfiguration from the server's ICE servers; relay-only when this browser is set so (for testing TURN). */
export function rtcConfiguration(iceServers: RTCIceServer[]): RTCConfiguration {
  return { iceServers, iceTransportPolicy: localStorage.getItem(RELAY_ONLY_KEY) === '1' ? 'relay' : 'all' };
}

export type PeerStats = {
  peerId: string;
  state: string;
  /** The negotiation and ICE states beside the connection's: what a stuck setup is stuck on. */
  signalingState: string;
  iceState: string;
  bytesReceived: number;
  audioEnergy: number;
  localCandidate?: string;
  remoteCandidate?: string;
  /** Seconds, from the selected candidate pair. */
  roundTripTime?: number;
  packetsReceived: number;
  packetsLost: number;
  /** Seconds, from inbound-rtp. */
  jitter?: number;
  /** Video frames decoded from this peer (cameras and screens together), and the largest frame received. */
  framesDecoded: number;
  frameWidth?: number;
  /** The bitrate cap (bit/s) of each video this side sends to this peer (video-caps.ts), and its source's name. */
  videoCaps: number[];
  videoSources: string[];
};

/** Per connection: its state, audio received, and the kind of ICE candidates in use. */
export async function callStats(call: Call | undefined) {
  const out: Array<PeerStats> = [];
  for (const [peerId, link] of call?.links ?? []) {
    const report = await link.pc.getStats();
    let bytesReceived = 0;
    let audioEnergy = 0;
    let packetsReceived = 0;
    let packetsLost = 0;
    let jitter: number | undefined;
    let framesDecoded = 0;
    let frameWidth: number | undefined;
    let pairId: string | undefined;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        bytesReceived += s.bytesReceived ?? 0;
        audioEnergy += s.totalAudioEnergy ?? 0;
        packetsReceived += s.packetsReceived ?? 0;
        packetsLost += s.packetsLost ?? 0;
        if (typeof s.jitter === 'number') jitter = Math.max(jitter ?? 0, s.jitter);
      }
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        framesDecoded += s.framesDecoded ?? 0;
        if (typeof s.frameWidth === 'number') frameWidth = Math.max(frameWidth ?? 0, s.frameWidth);
      }
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? report.get(pairId) : undefined;
    const videoSenders = link.pc.getSenders().filter((x) => x.track?.kind === 'video');
    out.push({
      peerId,
      state: link.pc.connectionState,
      signalingState: link.pc.signalingState,
      iceState: `${link.pc.iceGatheringState}/${link.pc.iceConnectionState}`,
      bytesReceived,
      audioEnergy,
      localCandidate: pair ? report.get(pair.localCandidateId)?.candidateType : undefined,
      remoteCandidate: pair ? report.get(pair.remoteCandidateId)?.candidateType : undefined,
      roundTripTime: typeof pair?.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : undefined,
      packetsReceived,
      packetsLost,
      jitter,
      framesDecoded,
      frameWidth,
      videoCaps: videoSenders.map((x) => x.getParameters().encodings?.[0]?.maxBitrate ?? 0),
      videoSources: videoSenders.map((x) => x.track?.label ?? ''),
    });
  }
  return out;
}
