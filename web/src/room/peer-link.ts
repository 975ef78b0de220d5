import type { SignalType } from '../lib/types.js';

/**
 * One peer connection to one other member, negotiated the "perfect
 * negotiation" way: either side may offer at any time; on a collision the
 * polite side (decided from the two peerIds, so both agree without talking)
 * rolls back and takes the other's offer, the impolite side ignores it.
 * ICE candidates that arrive before a remote description are queued.
 * A connection that fails, or stays disconnected, gets an ICE restart; one
 * that is not connected within a few seconds of its first offer offers again
 * with an ICE restart, until it connects or is closed.
 */
type LinkCallbacks = {
  signal(type: SignalType, data: unknown): void;
  /** A remote track arrived, with the stream the other side sent it in (its msid). */
  onTrack(stream: MediaStream, track: MediaStreamTrack): void;
  onState(state: RTCPeerConnectionState): void;
  /**
   * An exchange of descriptions completed: the SDP this side and the other side's set, from which
   * the call's code is made (call-code.ts). The DTLS fingerprints in them change only when the
   * connection is replaced, but each exchange is reported, so a code always describes the
   * descriptions in force.
   */
  onDescriptions(local: string, remote: string): void;
  /**
   * Nothing came of an exchange this side offered: the other side's connection never sent a
   * candidate. The call replaces this link with a fresh one on both sides (see renegotiate).
   */
  onStuck(): void;
  /** A data channel the other side opened (a file offered to this tab: file-transfer.ts). */
  onDataChannel?(channel: RTCDataChannel): void;
};

/** How many times in a row a link may be replaced by a fresh one before it falls back to ICE restarts. */
const MAX_FRESH_STARTS = 3;

const DISCONNECTED_GRACE_MS = 3000;
/**
 * How long a connection may take to connect before it negotiates again. Setup takes a few hundred
 * milliseconds on a good network and under two seconds through TURN. The polite side waits
 * longer, so that the two sides' retries do not collide with each other.
 */
const CONNECT_TIMEOUT_MS = 5000;

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly polite: boolean;
  private makingOffer = false;
  private ignoreOffer = false;
  // Signals are applied one at a time, in the order they arrived.
  private applying: Promise<void> = Promise.resolve();
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  // Renegotiations since the connection was last up.
  private retries = 0;
  // Whether the last exchange ended with this side's answer (see renegotiate).
  private answeredLast = false;
  private queued: RTCIceCandidateInit[] = [];
  private localAttached = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    selfId: string,
    readonly peerId: string,
    config: RTCConfiguration,
    /** What this side sends: the microphone, and the camera and screen while they are on. */
    private readonly local: () => MediaStream[],
    private readonly cb: LinkCallbacks,
    /** How many links to this peer were replaced by a fresh one before this one connected. */
    private readonly freshStarts = 0,
  ) {
    this.polite = selfId < peerId;
    this.pc = new RTCPeerConnection(config);
    const pc = this.pc;

    pc.onnegotiationneeded = () => void this.offer();
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) cb.signal('candidate', candidate.toJSON());
    };
    pc.ontrack = ({ track, streams }) => {
      cb.onTrack(streams[0] ?? new MediaStream([track]), track);
    };
    pc.ondatachannel = ({ channel }) => cb.onDataChannel?.(channel);
    pc.onsignalingstatechange = () => {
      const local = pc.currentLocalDescription?.sdp;
      const remote = pc.currentRemoteDescription?.sdp;
      if (pc.signalingState === 'stable' && local && remote) cb.onDescriptions(local, remote);
    };
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      cb.onState(state);
      clearTimeout(this.restartTimer);
      if (state === 'connected') this.disarmWatchdog();
      if (state === 'failed') this.restartIce();
      else if (state === 'disconnected') this.restartTimer = setTimeout(() => this.restartIce(), DISCONNECTED_GRACE_MS);
    };
  }

  /** The side that starts: adds its tracks now, which makes it offer. */
  start(): void {
    this.armWatchdog();
    this.attachLocal();
  }

  /** Sends an offer for the current local state; `iceRestart` to start ICE over. */
  private async offer(iceRestart = false) {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription(iceRestart ? await this.pc.createOffer({ iceRestart }) : undefined);
      this.answeredLast = false;
      if (this.pc.localDescription) this.cb.signal('offer', this.pc.localDescription.toJSON());
    } catch (err) {
      if (!this.closed) console.warn('parley: offer failed', err);
    } finally {
      this.makingOffer = false;
    }
  }

  private armWatchdog() {
    clearTimeout(this.watchdog);
    if (this.closed || this.pc.connectionState === 'connected') return;
    // Each retry waits twice as long as the one before (5, 10, 20 s): on a slow machine or network
    // an ICE restart every 5 s could start the checks over before they ever finish.
    const backoff = 2 ** Math.min(this.retries, 2);
    this.watchdog = setTimeout(() => void this.renegotiate(), CONNECT_TIMEOUT_MS * backoff * (this.polite ? 1.5 : 1));
  }

  private disarmWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.retries = 0;
  }

  /**
   * Not connected in time: whatever was lost (an offer ignored in a collision, an answer or
   * candidates that never arrived, an ICE check that gave up), a fresh offer with new ICE
   * credentials starts the exchange over. It replaces an unanswered offer of ours; one of the
   * other side's that is still unanswered is answered instead.
   */
  private async renegotiate() {
    if (this.closed || this.pc.connectionState === 'connected') return;
    this.retries += 1;
    this.armWatchdog();
    if (this.pc.signalingState === 'have-remote-offer') {
      this.enqueue(() => this.answer());
      return;
    }
    // The side whose answer ended the last exchange leaves the retry to the side that offered:
    // if the answer was lost, that side still waits with its offer and sends it again. An offer
    // from here instead could come back answered by a side that never learnt the DTLS roles
    // this side's answer fixed, and the connection would fail for good ("Failed to set SSL
    // role for the transport"). The offering side's own watchdog retries in every case.
    if (this.pc.signalingState === 'stable' && this.answeredLast) return;
    // Not one candidate of the other side reached ICE after a whole exchange: its connection is
    // stuck, and an ICE restart would be answered by the same stuck connection. (Seen in
    // Chromium when both sides offered at once: the polite side rolled its offer back,
    // answered, and never gathered a candidate.) A fresh connection on both sides instead.
    if (this.pc.iceConnectionState === 'new' && this.pc.remoteDescription && this.freshStarts < MAX_FRESH_STARTS) {
      this.cb.onStuck();
      return;
    }
    await this.offer(true);
  }

  private async answer() {
    if (this.pc.signalingState !== 'have-remote-offer') return;
    await this.pc.setLocalDescription();
    this.answeredLast = true;
    if (this.pc.localDescription) this.cb.signal('answer', this.pc.localDescription.toJSON());
  }

  private attachLocal() {
    if (this.localAttached) return;
    this.localAttached = true;
    this.sendLocal();
  }

  /**
   * Sends every local track not sent yet (a camera or screen turned on), once this side has
   * started or answered: before that, a track added here would make this side offer while the
   * other side's offer is on its way. Each added track marks the connection as needing
   * negotiation, and onnegotiationneeded offers it; a collision is settled as any other.
   */
  sendLocal(): void {
    if (!this.localAttached || this.closed) return;
    const sent = new Set(this.pc.getSenders().map((s) => s.track));
    for (const stream of this.local()) {
      for (const track of stream.getTracks()) if (!sent.has(track)) this.pc.addTrack(track, stream);
    }
  }

  /** Stops sending `tracks` (a camera or screen turned off): the renegotiation that follows tells the other side. */
  stopSending(tracks: readonly MediaStreamTrack[]): void {
    if (this.closed) return;
    for (const sender of this.pc.getSenders()) if (sender.track && tracks.includes(sender.track)) this.pc.removeTrack(sender);
  }

  private restartIce() {
    // As in renegotiate: the side that offered the last exchange restarts it.
    if (this.closed || (this.pc.signalingState === 'stable' && this.answeredLast)) return;
    // restartIce() marks the connection as needing negotiation; onnegotiationneeded sends the new offer.
    this.pc.restartIce();
  }

  /** Applies a signal from the other side, after every signal that arrived before it. */
  handle(type: SignalType, data: unknown): Promise<void> {
    return this.enqueue(() => this.apply(type, data));
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.applying.then(() => (this.closed ? undefined : step()));
    // A failed step must not stop the ones after it; its caller still sees the failure.
    this.applying = next.catch(() => {});
    return next;
  }

  private async apply(type: SignalType, data: unknown): Promise<void> {
    const pc = this.pc;
    if (type === 'offer' || type === 'answer') {
      const description = data as RTCSessionDescriptionInit;
      // The description must be what the signal says it is: an offer posted as an `answer`
      // would skip the checks that only members in the call may offer.
      if (!description || description.type !== type) return;
      // Signals are applied one at a time, so an answer being applied never looks like a collision.
      const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      if (description.type === 'offer') this.armWatchdog();
      await pc.setRemoteDescription(description);
      for (const candidate of this.queued.splice(0)) await this.addCandidate(candidate);
      if (description.type === 'offer') {
        // Answering side: add our tracks now, so they ride on the transceivers the offer made.
        this.attachLocal();
        await this.answer();
      }
    } else if (type === 'candidate') {
      const candidate = data as RTCIceCandidateInit;
      if (!pc.remoteDescription) this.queued.push(candidate);
      else await this.addCandidate(candidate);
    }
  }

  private async addCandidate(candidate: RTCIceCandidateInit) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!this.ignoreOffer) console.warn('parley: bad ICE candidate', err);
    }
  }

  /** Sends `track` in place of `old` (a microphone switched mid-call), without renegotiating. */
  async replaceTrack(old: MediaStreamTrack, track: MediaStreamTrack): Promise<void> {
    for (const sender of this.pc.getSenders()) if (sender.track === old) await sender.replaceTrack(track);
  }

  /**
   * A data channel to the other side (file transfers). The connection's first one adds a data
   * section to its description: onnegotiationneeded offers it, as for any other change.
   */
  openChannel(label: string): RTCDataChannel {
    return this.pc.createDataChannel(label);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.disarmWatchdog();
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
