import type { SignalType } from '../lib/types.js';
import { callCode } from './call-code.js';
import { PeerLink } from './peer-link.js';

/**
 * The audio call of one room: a small mesh, one PeerLink per other member
 * in the call. The caller who joins the call connects to everyone already
 * in it; those answer. Leaving closes every connection and stops the
 * microphone.
 */
type CallEvents = {
  signal(to: string, type: SignalType, data: unknown): void;
  onRemoteStream(peerId: string, stream: MediaStream): void;
  onPeerState(peerId: string, state: RTCPeerConnectionState): void;
  /** The code of the connection to `peerId` (call-code.ts) is new, or gone (undefined) with that connection. */
  onCallCode(peerId: string, code: number[] | undefined): void;
  onDataChannel(peerId: string, channel: RTCDataChannel): void;
};

const RELAY_ONLY_KEY = 'parley:ice-relay-only';

export class Call {
  local: MediaStream | null = null;
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
  }

  private link(peerId: string): PeerLink {
    let link = this.links.get(peerId);
    if (!link) {
      const mine: PeerLink = new PeerLink(
        this.selfId,
        peerId,
        this.rtcConfig,
        () => this.local,
        {
          signal: (type, data) => this.events.signal(peerId, type, data),
          onTrack: (stream) => this.events.onRemoteStream(peerId, stream),
          onState: (state) => {
            if (state === 'connected') this.freshStarts.delete(peerId);
            // A replaced link's own 'closed' is not news: its successor reports from now on.
            if (this.links.get(peerId) === mine || state !== 'closed') this.events.onPeerState(peerId, state);
          },
          onStuck: () => this.startAfresh(peerId, mine),
          onDescriptions: (local, remote) => void this.reportCode(peerId, mine, local, remote),
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

  async handleSignal(from: string, type: SignalType, data: unknown): Promise<void> {
    if (type === 'hangup') return this.drop(from);
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
    this.events.signal(peerId, 'hangup', null);
    this.connect(peerId);
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
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.local?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  /**
   * Switches microphone mid-call ('' is the default one): the new track replaces the old on every
   * connection's sender (RTCRtpSender.replaceTrack, no new offer), and keeps the mute.
   */
  async switchMicrophone(deviceId: string): Promise<void> {
    if (!this.local) return;
    const next = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(deviceId || undefined), video: false });
    const track = next.getAudioTracks()[0];
    // The call ended while the microphone was opening: nothing may keep it on.
    if (!track || !this.local) {
      for (const t of next.getTracks()) t.stop();
      return;
    }
    track.enabled = !this.muted;
    await Promise.all([...this.links.values()].map((l) => l.replaceTrack(track)));
    if (!this.local) return track.stop();
    for (const old of this.local.getTracks()) old.stop();
    this.local = next;
  }

  stop(): void {
    for (const peerId of [...this.links.keys()]) this.drop(peerId);
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = null;
    this.startedAt = 0;
  }
}

/** The chosen microphone; when it is gone (unplugged since it was chosen), the default one. */
export async function openMicrophone(deviceId?: string): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(deviceId), video: false });
  } catch (err) {
    if (!deviceId || !['OverconstrainedError', 'NotFoundError'].includes((err as DOMException).name)) throw err;
    return navigator.mediaDevices.getUserMedia({ audio: audioConstraints(), video: false });
  }
}

function audioConstraints(deviceId?: string): MediaTrackConstraints | boolean {
  const base = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
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
    let pairId: string | undefined;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        bytesReceived += s.bytesReceived ?? 0;
        audioEnergy += s.totalAudioEnergy ?? 0;
        packetsReceived += s.packetsReceived ?? 0;
        packetsLost += s.packetsLost ?? 0;
        if (typeof s.jitter === 'number') jitter = Math.max(jitter ?? 0, s.jitter);
      }
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? report.get(pairId) : undefined;
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
    });
  }
  return out;
}
