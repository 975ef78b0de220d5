import { signal, type Signal } from '@preact/signals';
import { ApiError, api, get, post } from '../lib/api.js';
import { audioContext, chime } from '../lib/sound.js';
import type { ChatMessage, Member, Room, RoomEventData, SignalType, User } from '../lib/types.js';
import { personText } from '../lib/person.js';
import { forgetInvite, holdsInvite } from '../invites/pending-invites.js';
import { announce } from '../lib/dom.js';
import { Call, callStats, openMicrophone, rtcConfiguration, stopStream } from './call.js';
import type { FileTransfers } from './file-transfer.js';
import { SessionMedia } from './session-media.js';
import { mediaDevices } from './media-devices.js';

/** How long joining the call waits for the room's stream to open before it goes on regardless. */
const WELCOME_WAIT_MS = 3000;
/**
 * The least time between two mute states sent to the room. Push-to-talk mutes and unmutes with
 * every press of Space, and the server allows 60 states per person per 10 s (ROOM_STATE_MAX):
 * at one per 500 ms a person uses at most 20 of them, the rest left for joining and leaving.
 */
const STATE_GAP_MS = 500;

type SessionPhase = 'joining' | 'password' | 'joined' | 'failed' | 'closed';

/** What a tab remembers across a reload: the room it was in and whether it was in the call. */
export const CALL_MARKER_KEY = 'parley:call';
export type CallMarker = { room: string; inCall: boolean };

export function readCallMarker(): CallMarker | undefined {
  try {
    const m = JSON.parse(sessionStorage.getItem(CALL_MARKER_KEY) ?? 'null') as CallMarker | null;
    return m && typeof m.room === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** What the room screen listens to that is not state: lines for the chat log and spoken announcements. */
type SessionListener = {
  chat?(message: ChatMessage): void;
  notice?(text: string): void;
  announce?(text: string): void;
  /** This tab left the call on purpose (Leave call), as opposed to the call ending under it. */
  leftCall?(): void;
};

/**
 * One room as this tab takes part in it, without any DOM: joining (with the
 * password when locked), the event stream, the members, the ordered signal
 * queue and the call. The app shell owns it, so it outlives the room screen:
 * a call goes on while the person reads Messages. State is in signals that
 * screens render; screens call the methods as intents.
 */
export class RoomSession {
  readonly phase = signal<SessionPhase>('joining');
  /** Why joining failed (phase 'failed'), or what was wrong with the password (phase 'password'). */
  readonly problem = signal<{ code: string; words: string } | undefined>(undefined);
  readonly room = signal<Room | undefined>(undefined);
  /** What the call bar and the control bar call this room: its name, or "Call with Ann" for a call from a conversation. */
  readonly title: Signal<string>;
  readonly peerId = signal('');
  readonly members = signal<ReadonlyMap<string, Member>>(new Map());
  /** '' while the stream is up; otherwise words about reconnecting. */
  readonly status = signal('');
  readonly inCall = signal(false);
  readonly muted = signal(false);
  /** Push-to-talk holds this call's microphone (push-to-talk.ts): muted except while Space is held. */
  readonly pushToTalk = signal(false);
  readonly startedAt = signal(0);
  readonly callError = signal('');
  readonly peerStates = signal<ReadonlyMap<string, RTCPeerConnectionState>>(new Map());
  readonly remoteStreams = signal<ReadonlyMap<string, MediaStream>>(new Map());
  /** Per connection, the code two people compare to check it (call-code.ts): five numbers, 0–63. */
  readonly callCodes = signal<ReadonlyMap<string, readonly number[]>>(new Map());
  readonly localStream = signal<MediaStream | null>(null);
  /** Cameras and screens in the call: this tab's and the others' (session-media.ts). */
  readonly media = new SessionMedia({
    call: () => this.call,
    error: (words) => (this.callError.value = words),
    announce: (words) => this.emit('announce', words),
  });
  /** Set when the browser refused to autoplay remote audio: one click lets it play. */
  readonly audioBlocked = signal(false);
  /** Files sent in the call (file-transfer.ts), fetched the first time one is sent or offered. */
  readonly files = signal<FileTransfers | undefined>(undefined);
  private filesLoading: Promise<FileTransfers> | undefined;

  private call: Call | undefined;
  /** The microphone, opened while joining when the call starts at once; taken by the first startCall. */
  private earlyMicrophone: Promise<MediaStream> | undefined;
  private stream: EventSource | undefined;
  private iceServers: RTCIceServer[] = [];
  private disposed = false;
  // Whether this tab's own state {inCall: true} has come back on its stream: see offerIfLater.
  private ownCallStateSeen = false;
  // Resolves once the current stream's welcome arrived: see startCall.
  private welcomed: Promise<void> = Promise.resolve();
  private onWelcome: () => void = () => {};
  private outgoing = Promise.resolve();
  // The mute state last sent to the room, and when, and the timer of the next: see setMuted.
  private sentMuted = false;
  private sentAt = 0;
  private stateTimer: ReturnType<typeof setTimeout> | undefined;
  private stopPushToTalk: (() => void) | undefined;
  private readonly listeners = new Set<SessionListener>();

  constructor(
    readonly name: string,
    private readonly user: User,
    /**
     * `resumeCall`: go into the call once joined (a reload mid-call, or a call from a
     * conversation). `direct`: a call's private room, which has no password to ask for: join
     * without asking about the room first.
     */
    private readonly options: { resumeCall?: boolean; direct?: boolean; onUnauthenticated?: () => void } = {},
  ) {
    this.title = signal(name);
    void this.enter();
  }

  /** In the call, or about to be again after a reload: the tab's call is this session's. */
  get holdsCall(): boolean {
    const alive = !this.disposed && this.phase.value !== 'failed' && this.phase.value !== 'closed';
    return alive && (this.inCall.value || this.options.resumeCall === true);
  }

  listen(l: SessionListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit<K extends keyof SessionListener>(kind: K, arg: Parameters<NonNullable<SessionListener[K]>>[0]) {
    for (const l of this.listeners) (l[kind] as ((a: typeof arg) => void) | undefined)?.(arg);
  }

  /** The browser's own view of each connection (tests and curious users). */
  stats() {
    return callStats(this.call);
  }

  // ---- entering --------------------------------------------------------------------
  async enter(password?: string): Promise<void> {
    const name = this.name;
    this.problem.value = undefined;
    this.phase.value = 'joining';
    // Going straight into the call: the microphone and the ICE servers are fetched while joining,
    // not one after the other (a call from a conversation connects that much sooner).
    const intoCall = this.options.resumeCall === true && !this.disposed;
    this.earlyMicrophone ??= intoCall ? openMicrophone(mediaDevices.microphoneForCall()) : undefined;
    this.earlyMicrophone?.catch(() => {});
    const iceServers = get<{ iceServers: RTCIceServer[] }>('/api/ice-servers').catch(() => ({ iceServers: [] }));
    const invited = password === undefined && holdsInvite(this.user.username, name);
    if (!this.options.direct) {
      let room: Room;
      try {
        room = (await get<{ room: Room }>(`/api/rooms/${encodeURIComponent(name)}`)).room;
      } catch (err) {
        return this.fail(err);
      }
      this.room.value = room;
      // A full room says so before it asks for a password: the password would not get anyone in.
      if (room.locked && room.owner !== this.user.username && password === undefined && room.members >= room.capacity) {
        return this.fail(new ApiError(409, 'room_full', 'The room is full.'));
      }
      // An invite stands in for the password: try without one first (see pending-invites.ts).
      if (room.locked && room.owner !== this.user.username && password === undefined && !invited) {
        this.dropEarlyMicrophone();
        this.phase.value = 'password';
        return;
      }
    }
    try {
      const joined = await post<{ room: Room; peerId: string; members: Member[] }>(`/api/rooms/${encodeURIComponent(name)}/join`, password ? { password } : {});
      if (this.disposed) return this.leaveQuietly(joined.peerId);
      this.room.value = joined.room;
      this.peerId.value = joined.peerId;
      this.members.value = new Map(joined.members.map((m) => [m.peerId, m]));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'wrong_password' && invited) {
        forgetInvite(this.user.username, name);
        this.problem.value = { code: 'invite_expired', words: 'Your invite has run out. Enter the room’s password, or ask for a new invite.' };
        this.phase.value = 'password';
        return;
      }
      if (err instanceof ApiError && err.code === 'wrong_password') {
        this.problem.value = { code: err.code, words: 'That password is not right.' };
        this.phase.value = 'password';
        return;
      }
      return this.fail(err);
    }
    this.phase.value = 'joined';
    this.openStream();
    this.iceServers = (await iceServers).iceServers;
    // After a reload mid-call: back into the call without a click.
    if (this.options.resumeCall && !this.disposed) {
      await this.startCall();
      this.options.resumeCall = false;
    }
  }

  /** The microphone opened ahead for a call that is not going to start after all. */
  private dropEarlyMicrophone() {
    const early = this.earlyMicrophone;
    this.earlyMicrophone = undefined;
    void early?.then(
      (s) => stopStream(s),
      () => {},
    );
  }

  private fail(err: unknown) {
    this.dropEarlyMicrophone();
    const name = this.name;
    const code = err instanceof ApiError ? err.code : 'error';
    const words =
      err instanceof ApiError
        ? err.code === 'room_not_found'
          ? `There is no room called “${name}”. Check the link, or create it from the home page.`
          : err.code === 'room_full'
            ? `“${name}” is full. Try again when someone leaves.`
            : err.code === 'removed'
              ? 'You were removed from this room by its owner.'
              : err.code === 'too_many_attempts'
                ? `Too many wrong passwords. Wait ${err.retryAfter ?? 600} seconds.`
                : err.code === 'unauthenticated'
                  ? 'Your session has ended.'
                  : err.message
        : 'Something went wrong.';
    if (code === 'unauthenticated') this.options.onUnauthenticated?.();
    if (code === 'room_not_found' || code === 'removed') this.forgetMarker();
    this.endCall();
    this.problem.value = { code, words };
    this.phase.value = 'failed';
  }

  // ---- the event stream ------------------------------------------------------------
  private setMembers(update: (m: Map<string, Member>) => void) {
    const next = new Map(this.members.value);
    update(next);
    this.members.value = next;
  }

  private openStream() {
    this.stream?.close();
    const self = () => this.peerId.value;
    const es = new EventSource(`/api/rooms/${encodeURIComponent(this.name)}/events?peer=${encodeURIComponent(self())}`);
    this.stream = es;
    this.welcomed = new Promise((resolve) => (this.onWelcome = resolve));
    const on = <K extends keyof RoomEventData>(type: K, handle: (data: RoomEventData[K]) => void) =>
      es.addEventListener(type, (e) => {
        try {
          handle(JSON.parse((e as MessageEvent).data));
        } catch (err) {
          console.warn('parley: bad room event', type, err);
        }
      });
    es.onopen = () => (this.status.value = '');
    es.onerror = () => {
      if (this.disposed || this.stream !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        // The server refused the stream: this tab is no longer a member (a long outage). Join again.
        this.status.value = 'Reconnecting…';
        es.close();
        setTimeout(() => void this.rejoin(), 1000);
      } else {
        this.status.value = 'Connection lost; reconnecting…';
      }
    };
    on('welcome', (d) => {
      const before = this.members.value;
      const now = new Map(d.members.map((m) => [m.peerId, m]));
      this.members.value = now;
      // Whoever came or went between this tab's join and its welcome (or while the stream was
      // away and its events could no longer be replayed) is announced as their events would be:
      // per person, so a second tab of someone already here is no news.
      const came = peopleIn(now, self()).filter((id) => !peopleIn(before, self()).includes(id));
      const went = peopleIn(before, self()).filter((id) => !peopleIn(now, self()).includes(id));
      for (const m of before.values()) if (m.peerId !== self() && !now.has(m.peerId)) this.dropPeer(m.peerId);
      for (const id of went) this.emit('notice', `${personText(userOf(before, id)!)} left the room.`);
      for (const id of came) this.emit('notice', `${personText(userOf(now, id)!)} entered the room.`);
      if (came.length > 0) chime('join');
      else if (went.length > 0) chime('leave');
      this.onWelcome();
    });
    on('member-joined', ({ member }) => {
      const already = hasOtherPeer(this.members.value, member);
      this.setMembers((m) => m.set(member.peerId, member));
      if (already) return;
      chime('join');
      this.emit('notice', `${personText(member.user)} entered the room.`);
    });
    on('member-left', ({ peerId: gone, reason }) => {
      if (gone === self()) {
        if (reason === 'timeout' && !this.disposed) void this.rejoin();
        // Final: the call ends and no rejoin follows (the server would refuse one for a while).
        if (reason === 'removed') {
          this.stream = undefined;
          es.close();
          this.fail(new ApiError(403, 'removed', ''));
        }
        return;
      }
      const m = this.members.value.get(gone);
      const wasInCall = m ? personInCall(this.members.value, m.user.id) : false;
      this.setMembers((all) => all.delete(gone));
      this.dropPeer(gone);
      if (!m) return;
      // A person's other tab closing is no news while they are still here.
      if (hasOtherPeer(this.members.value, m)) {
        if (wasInCall && !personInCall(this.members.value, m.user.id)) this.callNews(m, false);
        return;
      }
      chime('leave');
      this.emit('notice', `${personText(m.user)} left the room.`);
    });
    on('member-state', ({ peerId: who, inCall, muted }) => {
      const m = this.members.value.get(who);
      if (!m) return;
      const wasInCall = personInCall(this.members.value, m.user.id);
      this.setMembers((all) => all.set(who, { ...m, inCall, muted }));
      // Joining or leaving the call is news of its own, apart from entering the room; per person,
      // so a second tab joining a call its person is already in says nothing.
      if (who !== self() && wasInCall !== personInCall(this.members.value, m.user.id)) this.callNews(m, inCall);
      if (who === self()) this.ownCallStateSeen = inCall;
      else if (!inCall) this.dropPeer(who);
      else this.offerIfLater(who);
    });
    on('member-updated', ({ member }) => {
      if (!this.members.value.has(member.peerId)) return;
      this.setMembers((m) => m.set(member.peerId, member));
    });
    on('signal', ({ from, type, data }) => {
      // Only a member shown in the call may start a connection to it: the answer carries this
      // tab's microphone. Anyone else is told no, so that it does not wait for an answer.
      if (type === 'offer' && !(this.call?.active && this.members.value.get(from)?.inCall)) return this.signal(from, 'hangup', null);
      void this.call?.handleSignal(from, type, data).catch((err) => console.warn('parley: signal', err));
    });
    on('chat', ({ message }) => this.emit('chat', message));
    on('room-closed', () => {
      this.endCall();
      es.close();
      this.forgetMarker();
      this.phase.value = 'closed';
    });
  }

  private callNews(m: Member, joined: boolean) {
    chime(joined ? 'join' : 'leave');
    this.emit('notice', `${personText(m.user)} ${joined ? 'joined' : 'left'} the call.`);
  }

  private async rejoin() {
    if (this.disposed) return;
    const wasInCall = this.call?.active;
    this.endCall();
    try {
      const joined = await post<{ peerId: string; members: Member[] }>(`/api/rooms/${encodeURIComponent(this.name)}/join`, {});
      this.peerId.value = joined.peerId;
      this.members.value = new Map(joined.members.map((m) => [m.peerId, m]));
      this.openStream();
      if (wasInCall) await this.startCall();
    } catch (err) {
      this.fail(err);
    }
  }

  // ---- signalling: one POST at a time, so they arrive in the order sent ------------
  private signal(to: string | undefined, type: SignalType, data: unknown) {
    const from = this.peerId.value;
    this.outgoing = this.outgoing.then(() =>
      api('POST', `/api/rooms/${encodeURIComponent(this.name)}/signal`, { from, ...(to ? { to } : {}), type, data }).then(
        () => undefined,
        (err) => {
          if (err instanceof ApiError && to && ['peer_not_found', 'peer_not_in_call', 'not_in_call'].includes(err.code)) this.call?.drop(to);
          else console.warn('parley: signal not sent', type, err);
        },
      ),
    );
  }

  // ---- the call --------------------------------------------------------------------
  /** Joins the call with `deviceId`, or the microphone chosen in the device check (else the default). */
  async startCall(deviceId = mediaDevices.microphoneForCall()): Promise<void> {
    if (this.call || this.phase.value !== 'joined') return;
    this.callError.value = '';
    this.ownCallStateSeen = false;
    audioContext();
    const call = new Call(this.peerId.value, rtcConfiguration(this.iceServers), {
      signal: (to, type, data) => this.signal(to, type, data),
      onRemoteStream: (who, s) => {
        if (this.call !== call) return;
        const next = new Map(this.remoteStreams.value);
        next.set(who, s);
        this.remoteStreams.value = next;
      },
      onPeerState: (who, state) => {
        if (this.call !== call) return;
        const next = new Map(this.peerStates.value);
        next.set(who, state);
        this.peerStates.value = next;
      },
      onRemoteMedia: (who, kind, stream) => {
        if (this.call !== call) return;
        this.media.setRemote(who, kind, stream);
      },
      onCallCode: (who, code) => {
        if (this.call !== call || (!code && !this.callCodes.value.has(who))) return;
        const next = new Map(this.callCodes.value);
        if (code) next.set(who, code);
        else next.delete(who);
        this.callCodes.value = next;
      },
      onDataChannel: (who, channel) =>
        void this.fileTransfers().then(
          (f) => f.incoming(who, channel),
          () => channel.close(),
        ),
    });
    this.call = call;
    const early = this.earlyMicrophone;
    this.earlyMicrophone = undefined;
    try {
      await call.start(deviceId, early);
    } catch (err) {
      this.call = undefined;
      this.forgetMarker();
      this.callError.value =
        (err as DOMException).name === 'NotAllowedError'
          ? 'Parley may not use your microphone. Allow it in the browser’s site settings, then try again.'
          : (err as DOMException).name === 'NotFoundError'
            ? 'No microphone was found.'
            : `The microphone could not be opened: ${(err as Error).message}`;
      return;
    }
    // This tab's state goes out only once the stream has said who is here. Posted before the
    // welcome, the state would be in the welcome's member list instead of coming back as an
    // event, and offerIfLater could not tell who came first: both sides offered, and now and
    // then Chromium's polite side never gathered a candidate after rolling its offer back.
    await Promise.race([this.welcomed, new Promise((r) => setTimeout(r, WELCOME_WAIT_MS))]);
    // With push-to-talk on, the call starts muted. Its module is fetched here, not on the first load.
    const talk = await import('./push-to-talk.js').catch(() => undefined);
    if (this.call !== call) return call.stop();
    const muted = talk?.pushToTalkOn() ?? false;
    call.setMuted(muted);
    this.ownCallStateSeen = false;
    this.signal(undefined, 'state', { inCall: true, muted });
    [this.sentMuted, this.sentAt] = [muted, Date.now()];
    for (const m of this.members.value.values()) if (m.inCall && m.peerId !== this.peerId.value) call.connect(m.peerId);
    this.localStream.value = call.local;
    this.muted.value = muted;
    this.startedAt.value = call.startedAt;
    this.inCall.value = true;
    this.remember(true);
    this.emit('announce', 'You joined the call.');
    this.stopPushToTalk = talk?.watchPushToTalk(this);
  }

  /**
   * Of two members joining the call, the one whose in-call state comes later in the room's stream
   * offers. This tab's state is posted after the member list above was read, so everyone it shows
   * in the call is earlier and gets an offer from here. A member whose in-call state arrives
   * before this tab's own is earlier too, but joined too late for that list: offer now. One whose
   * state arrives after this tab's own offers to this tab itself (it sees this tab in the call).
   * Without this, two people joining at once could each miss the other and never connect.
   */
  private offerIfLater(who: string) {
    if (this.call?.active && !this.ownCallStateSeen) this.call.connect(who);
  }

  private dropPeer(who: string) {
    this.call?.drop(who);
    this.files.value?.lost(who);
    if (this.remoteStreams.value.has(who)) {
      const next = new Map(this.remoteStreams.value);
      next.delete(who);
      this.remoteStreams.value = next;
    }
    if (this.peerStates.value.has(who)) {
      const next = new Map(this.peerStates.value);
      next.delete(who);
      this.peerStates.value = next;
    }
  }

  private endCall() {
    if (!this.call) return;
    this.call.stop();
    this.files.value?.lost();
    this.call = undefined;
    this.stopPushToTalk?.();
    this.stopPushToTalk = undefined;
    clearTimeout(this.stateTimer);
    this.stateTimer = undefined;
    this.inCall.value = false;
    this.muted.value = false;
    this.startedAt.value = 0;
    this.localStream.value = null;
    this.media.reset();
    this.remoteStreams.value = new Map();
    this.peerStates.value = new Map();
    this.callCodes.value = new Map();
    this.audioBlocked.value = false;
  }

  leaveCall(): void {
    if (!this.call) return;
    this.endCall();
    this.signal(undefined, 'state', { inCall: false, muted: false });
    this.remember(false);
    this.emit('announce', 'You left the call.');
    this.emit('leftCall', undefined);
  }

  toggleMute(): void {
    if (this.call) this.setMuted(!this.call.muted);
  }

  /**
   * Mutes or unmutes at once; the room learns it at most once per STATE_GAP_MS, the latest state
   * winning (a press and release of Space within that time sends nothing).
   */
  setMuted(muted: boolean): void {
    if (!this.call) return;
    this.call.setMuted(muted);
    this.muted.value = muted;
    if (this.stateTimer) return;
    this.stateTimer = setTimeout(
      () => {
        this.stateTimer = undefined;
        if (!this.call || this.call.muted === this.sentMuted) return;
        [this.sentMuted, this.sentAt] = [this.call.muted, Date.now()];
        this.signal(undefined, 'state', { inCall: true, muted: this.sentMuted });
      },
      Math.max(0, this.sentAt + STATE_GAP_MS - Date.now()),
    );
  }

  /**
   * Another microphone mid-call ('' is the default), or the same one opened again with changed
   * audio settings; the mute stays as it was. `words` are announced once it is in use.
   */
  async switchMicrophone(deviceId: string, words = 'Microphone changed.'): Promise<void> {
    if (!this.call) return;
    try {
      await this.call.switchMicrophone(deviceId);
      this.localStream.value = this.call.local;
      this.emit('announce', words);
    } catch (err) {
      this.callError.value = `Could not switch microphone: ${(err as Error).message}`;
    }
  }

  /** The microphone the call is using now. */
  microphoneId(): string | undefined {
    return this.call?.local?.getAudioTracks()[0]?.getSettings().deviceId;
  }

  /** This call's file transfers: the module is fetched on first use, so a call that sends none never loads it. */
  fileTransfers(): Promise<FileTransfers> {
    this.filesLoading ??= import('./file-transfer.js').then(
      (m) =>
        (this.files.value = new m.FileTransfers({
          openChannel: (peerId, label) => this.call?.openChannel(peerId, label),
          maxMessageSize: (peerId) => this.call?.links.get(peerId)?.pc.sctp?.maxMessageSize,
          nameOf: (peerId) => this.members.value.get(peerId)?.user.displayName ?? 'Someone',
          announce,
        })),
      (err) => {
        this.filesLoading = undefined;
        throw err;
      },
    );
    return this.filesLoading;
  }

  // ---- the room itself ------------------------------------------------------------
  async deleteRoom(): Promise<void> {
    await api('DELETE', `/api/rooms/${encodeURIComponent(this.name)}`);
  }

  /** The owner removes the person holding `peerId` (all their tabs); they stay out for 10 minutes. */
  async removePerson(peerId: string): Promise<void> {
    await post(`/api/rooms/${encodeURIComponent(this.name)}/remove`, { peerId });
  }

  /** The owner changes the password (null: none) and capacity; the room shown here follows. */
  async updateRoom(changes: { password?: string | null; capacity?: number }): Promise<void> {
    this.room.value = (await api<{ room: Room }>('PATCH', `/api/rooms/${encodeURIComponent(this.name)}`, changes)).room;
  }

  private remember(inCall: boolean) {
    sessionStorage.setItem(CALL_MARKER_KEY, JSON.stringify({ room: this.name, inCall } satisfies CallMarker));
  }

  private forgetMarker() {
    if (readCallMarker()?.room === this.name) sessionStorage.removeItem(CALL_MARKER_KEY);
  }

  leaveQuietly(id = this.peerId.value): void {
    if (!id) return;
    void fetch(`/api/rooms/${encodeURIComponent(this.name)}/leave`, {
      method: 'POST',
      keepalive: true,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ peerId: id }),
    }).catch(() => {});
  }

  /** Leaves the call and the room for good: the person went elsewhere, or signed out. */
  leave(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.dropEarlyMicrophone();
    this.endCall();
    this.files.value?.dispose();
    this.stream?.close();
    this.forgetMarker();
    this.leaveQuietly();
  }
}

// ---- people, not tabs: one person may hold several peers (tabs) in a room ------------------
/** The user ids with a peer in `members`, other than this tab's own peer `self`. */
function peopleIn(members: ReadonlyMap<string, Member>, self: string): number[] {
  const ids = new Set<number>();
  for (const m of members.values()) if (m.peerId !== self) ids.add(m.user.id);
  return [...ids];
}

function userOf(members: ReadonlyMap<string, Member>, id: number) {
  for (const m of members.values()) if (m.user.id === id) return m.user;
  return undefined;
}

/** Whether `m`'s person has a peer here besides `m` (this tab counts: your own second tab is no news). */
function hasOtherPeer(members: ReadonlyMap<string, Member>, m: Member): boolean {
  for (const o of members.values()) if (o.user.id === m.user.id && o.peerId !== m.peerId) return true;
  return false;
}

/** Whether any of a person's peers is in the call. */
function personInCall(members: ReadonlyMap<string, Member>, id: number): boolean {
  for (const m of members.values()) if (m.user.id === id && m.inCall) return true;
  return false;
}
