import type { SignalType } from '../lib/types.js';

/**
 * One peer connection to one other member, negotiated the "perfect
 * negotiation" way: either side may offer at any time; on a collision the
 * polite side (decided from the two peerIds, so both agree without talking)
 * rolls back and takes the other's offer, the impolite side ignores it.
 * ICE candidates that arrive before a remote description are queued.
 * A connection that fails, or stays disconnected, gets an ICE restart.
 */
export type LinkCallbacks = {
  signal(type: SignalType, data: unknown): void;
  onTrack(stream: MediaStream): void;
  onState(state: RTCPeerConnectionState): void;
};

const DISCONNECTED_GRACE_MS = 3000;

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly polite: boolean;
  private makingOffer = false;
  private ignoreOffer = false;
  private queued: RTCIceCandidateInit[] = [];
  private localAttached = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    selfId: string,
    readonly peerId: string,
    config: RTCConfiguration,
    private readonly local: () => MediaStream | null,
    private readonly cb: LinkCallbacks,
  ) {
    this.polite = selfId < peerId;
    this.pc = new RTCPeerConnection(config);
    const pc = this.pc;

    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription) cb.signal('offer', pc.localDescription.toJSON());
      } catch (err) {
        console.warn('parley: offer failed', err);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) cb.signal('candidate', candidate.toJSON());
    };
    pc.ontrack = ({ track, streams }) => {
      cb.onTrack(streams[0] ?? new MediaStream([track]));
    };
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      cb.onState(state);
      clearTimeout(this.restartTimer);
      if (state === 'failed') this.restartIce();
      else if (state === 'disconnected') this.restartTimer = setTimeout(() => this.restartIce(), DISCONNECTED_GRACE_MS);
    };
  }

  /** The side that starts: adds its tracks now, which makes it offer. */
  start(): void {
    this.attachLocal();
  }

  private attachLocal() {
    const stream = this.local();
    if (this.localAttached || !stream) return;
    this.localAttached = true;
    for (const track of stream.getTracks()) this.pc.addTrack(track, stream);
  }

  private restartIce() {
    if (this.closed) return;
    // restartIce() marks the connection as needing negotiation; onnegotiationneeded sends the new offer.
    this.pc.restartIce();
  }

  async handle(type: SignalType, data: any): Promise<void> {
    const pc = this.pc;
    if (type === 'offer' || type === 'answer') {
      const description = data as RTCSessionDescriptionInit;
      const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      for (const candidate of this.queued.splice(0)) await this.addCandidate(candidate);
      if (description.type === 'offer') {
        // Answering side: add our tracks now, so they ride on the transceivers the offer made.
        this.attachLocal();
        await pc.setLocalDescription();
        if (pc.localDescription) this.cb.signal('answer', pc.localDescription.toJSON());
      }
    } else if (type === 'candidate') {
      if (!pc.remoteDescription) this.queued.push(data);
      else await this.addCandidate(data);
    }
  }

  private async addCandidate(candidate: RTCIceCandidateInit) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!this.ignoreOffer) console.warn('parley: bad ICE candidate', err);
    }
  }

  /** Sends `track` instead of the current microphone, without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.receiver.track.kind === track.kind && transceiver.currentDirection !== 'stopped') await transceiver.sender.replaceTrack(track);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    for (const t of this.pc.getTransceivers()) {
      try {
        t.stop();
      } catch {
        // Already stopped.
      }
    }
    this.pc.close();
    this.cb.onState('closed');
  }
}
