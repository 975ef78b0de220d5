import { ApiError, api, get, post } from '../lib/api.js';
import { announce, field, h, replace, type Screen } from '../lib/dom.js';
import { navigate, roomPath } from '../lib/router.js';
import { sessionEnded } from '../lib/session.js';
import { audioContext, chime, setSoundsOn, soundsOn, watchLevel } from '../lib/sound.js';
import type { Member, Room, RoomEventData, SignalType, User } from '../lib/types.js';
import { LAST_ROOM_KEY } from '../home/home-screen.js';
import { Call, callStats, rtcConfiguration } from './call.js';
import { createRoomChat } from './room-chat.js';
import { personName, personText } from '../lib/person.js';

type PeerView = {
  item: HTMLLIElement;
  state: HTMLSpanElement;
  meter: HTMLMeterElement;
  audio?: HTMLAudioElement;
  stopLevel?: () => void;
  connection?: RTCPeerConnectionState;
};

const STATE_WORDS: Record<RTCPeerConnectionState, string> = {
  new: 'connecting…',
  connecting: 'connecting…',
  connected: 'connected',
  disconnected: 'reconnecting…',
  failed: 'connection failed, retrying…',
  closed: '',
};

/**
 * A room at /r/<name>: joining (with the password when locked), the member
 * list, the audio call, and the room chat. Events arrive on the room's
 * EventSource, which reconnects by itself with Last-Event-ID; signals go up
 * as POSTs, one at a time per page so they arrive in the order sent.
 */
export function renderRoom(name: string, user: User): Screen {
  const el = h('section', { class: 'screen room' });
  const status = h('p', { class: 'status', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  let disposed = false;
  let room: Room | undefined;
  let peerId = '';
  let stream: EventSource | undefined;
  const members = new Map<string, Member>();
  const views = new Map<string, PeerView>();
  let call: Call | undefined;
  let iceServers: RTCIceServer[] = [];
  let callTimer: ReturnType<typeof setInterval> | undefined;
  // Whether this tab's own state {inCall: true} has come back on its stream: see offerIfLater.
  let ownCallStateSeen = false;
  let stopSelfLevel: (() => void) | undefined;

  // ---- the page's parts -------------------------------------------------------------
  const memberList = h('ul', { class: 'members', 'aria-label': 'People in this room' });
  const joinCall = h('button', { type: 'button', class: 'primary' }, 'Join call');
  const muteButton = h('button', { type: 'button', hidden: true, 'aria-pressed': 'false' }, 'Mute');
  const leaveCall = h('button', { type: 'button', hidden: true }, 'Leave call');
  const timer = h('span', { class: 'timer', hidden: true, role: 'timer', 'aria-label': 'Time in call' });
  const mic = h('select', { name: 'microphone' });
  const micField = field('Microphone', mic);
  micField.hidden = true;
  // Remote audio elements live here, outside the member list that is re-rendered: removing a
  // playing <audio> from the document would pause it.
  const audioBox = h('div', { class: 'audio-box' });
  const listen = h('button', { type: 'button', hidden: true, class: 'primary' }, 'Click to listen');
  const callError = h('p', { class: 'error', role: 'alert' });
  // The log region scrolls; the list inside it keeps list semantics.
  const chat = createRoomChat(name, () => peerId);
  const sounds = h('input', { type: 'checkbox', name: 'sounds', checked: soundsOn() });
  sounds.addEventListener('change', () => setSoundsOn(sounds.checked));

  // ---- entering --------------------------------------------------------------------
  async function enter(password?: string) {
    error.textContent = '';
    status.textContent = 'Joining…';
    try {
      room = (await get<{ room: Room }>(`/api/rooms/${encodeURIComponent(name)}`)).room;
    } catch (err) {
      return fail(err);
    }
    if (room.locked && room.owner !== user.username && password === undefined) return askPassword();
    try {
      const joined = await post<{ room: Room; peerId: string; members: Member[] }>(`/api/rooms/${encodeURIComponent(name)}/join`, password ? { password } : {});
      if (disposed) return void leaveQuietly(joined.peerId);
      room = joined.room;
      peerId = joined.peerId;
      members.clear();
      for (const m of joined.members) members.set(m.peerId, m);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'wrong_password') return askPassword('That password is not right.');
      return fail(err);
    }
    localStorage.setItem(LAST_ROOM_KEY, name);
    showRoom();
    openStream();
    void chat.load();
    iceServers = (await get<{ iceServers: RTCIceServer[] }>('/api/ice-servers').catch(() => ({ iceServers: [] }))).iceServers;
  }

  function fail(err: unknown) {
    status.textContent = '';
    const words =
      err instanceof ApiError
        ? err.code === 'room_not_found'
          ? `There is no room called “${name}”. Check the link, or create it from the home page.`
          : err.code === 'room_full'
            ? `“${name}” is full. Try again when someone leaves.`
            : err.code === 'too_many_attempts'
              ? `Too many wrong passwords. Wait ${err.retryAfter ?? 600} seconds.`
              : err.code === 'unauthenticated'
                ? (sessionEnded(), 'Your session has ended.')
                : err.message
        : 'Something went wrong.';
    replace(el, h('h1', {}, name), h('p', { role: 'alert', class: 'error' }, words), h('p', {}, h('a', { href: '/', 'data-link': true }, 'Back to rooms')));
  }

  function askPassword(problem?: string) {
    status.textContent = '';
    const input = h('input', { type: 'password', name: 'room-password', required: true, autocomplete: 'current-password' });
    const form = h(
      'form',
      {
        class: 'card narrow',
        on: {
          submit: (e: SubmitEvent) => {
            e.preventDefault();
            void enter(input.value);
          },
        },
      },
      h('p', {}, `“${name}” needs a password.`),
      field('Room password', input),
      problem ? h('p', { class: 'error', role: 'alert' }, problem) : null,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Join room'), h('a', { href: '/', 'data-link': true }, 'Cancel')),
    );
    replace(el, h('h1', {}, name), form);
    input.focus();
  }

  function showRoom() {
    const copy = h('button', { type: 'button' }, 'Copy link');
    copy.addEventListener('click', async () => {
      const link = location.origin + roomPath(name);
      try {
        await navigator.clipboard.writeText(link);
        announce('Link copied.');
        copy.textContent = 'Link copied';
        setTimeout(() => (copy.textContent = 'Copy link'), 2000);
      } catch {
        window.prompt('Copy this link:', link);
      }
    });
    const owner = room?.owner === user.username;
    const del = owner ? h('button', { type: 'button', class: 'danger', on: { click: () => void deleteRoom() } }, 'Delete room') : null;
    replace(
      el,
      h('div', { class: 'room-head' }, h('h1', {}, name), room?.locked ? h('span', { class: 'lock' }, '🔒', h('span', { class: 'visually-hidden' }, ' locked')) : null, copy, del),
      status,
      error,
      h(
        'div',
        { class: 'columns' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'call-h' },
          h('h2', { id: 'call-h' }, 'Call'),
          h('div', { class: 'actions' }, joinCall, muteButton, leaveCall, timer),
          listen,
          audioBox,
          callError,
          micField,
          h('h3', {}, 'People'),
          memberList,
          h('label', { class: 'check' }, sounds, ' Play a sound when people join or leave'),
        ),
        chat.section,
      ),
    );
    renderMembers();
  }

  // ---- the event stream ------------------------------------------------------------
  function openStream() {
    stream?.close();
    const es = new EventSource(`/api/rooms/${encodeURIComponent(name)}/events?peer=${encodeURIComponent(peerId)}`);
    stream = es;
    const on = <K extends keyof RoomEventData>(type: K, handle: (data: RoomEventData[K]) => void) =>
      es.addEventListener(type, (e) => {
        try {
          handle(JSON.parse((e as MessageEvent).data));
        } catch (err) {
          console.warn('parley: bad room event', type, err);
        }
      });
    es.onopen = () => (status.textContent = '');
    es.onerror = () => {
      if (disposed || stream !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        // The server refused the stream: this tab is no longer a member (a long outage). Join again.
        status.textContent = 'Reconnecting…';
        es.close();
        setTimeout(() => void rejoin(), 1000);
      } else {
        status.textContent = 'Connection lost; reconnecting…';
      }
    };
    on('welcome', (d) => {
      const before = new Map(members);
      members.clear();
      for (const m of d.members) members.set(m.peerId, m);
      renderMembers();
      // Whoever came or went between this tab's join and its welcome (or while the stream was
      // away and its events could no longer be replayed) is announced as their events would be.
      const came = d.members.filter((m) => m.peerId !== peerId && !before.has(m.peerId));
      const went = [...before.values()].filter((m) => m.peerId !== peerId && !members.has(m.peerId));
      for (const m of went) {
        call?.drop(m.peerId);
        dropView(m.peerId);
        chat.notice(`${personText(m.user)} left.`);
      }
      for (const m of came) chat.notice(`${personText(m.user)} joined.`);
      if (came.length > 0) chime('join');
      else if (went.length > 0) chime('leave');
    });
    on('member-joined', ({ member }) => {
      members.set(member.peerId, member);
      renderMembers();
      chime('join');
      chat.notice(`${personText(member.user)} joined.`);
    });
    on('member-left', ({ peerId: gone, reason }) => {
      if (gone === peerId) {
        if (reason === 'timeout' && !disposed) void rejoin();
        return;
      }
      const m = members.get(gone);
      members.delete(gone);
      call?.drop(gone);
      dropView(gone);
      renderMembers();
      chime('leave');
      if (m) chat.notice(`${personText(m.user)} left.`);
    });
    on('member-state', ({ peerId: who, inCall, muted }) => {
      const m = members.get(who);
      if (!m) return;
      m.inCall = inCall;
      m.muted = muted;
      if (who === peerId) ownCallStateSeen = inCall;
      else if (!inCall) {
        call?.drop(who);
        stopRemote(who);
      } else offerIfLater(who);
      renderMembers();
    });
    on('member-updated', ({ member }) => {
      if (!members.has(member.peerId)) return;
      members.set(member.peerId, member);
      renderMembers();
    });
    on('signal', ({ from, type, data }) => {
      // Only a member shown in the call may start a connection to it: the answer carries this
      // tab's microphone. Anyone else is told no, so that it does not wait for an answer.
      if (type === 'offer' && !(call?.active && members.get(from)?.inCall)) return signal(from, 'hangup', null);
      void call?.handleSignal(from, type, data).catch((err) => console.warn('parley: signal', err));
    });
    on('chat', ({ message }) => chat.add(message));
    on('room-closed', () => {
      endCall();
      es.close();
      replace(el, h('h1', {}, name), h('p', { role: 'alert' }, 'This room was deleted by its owner.'), h('p', {}, h('a', { href: '/', 'data-link': true }, 'Back to rooms')));
    });
  }

  async function rejoin() {
    if (disposed) return;
    const wasInCall = call?.active;
    endCall();
    try {
      const joined = await post<{ peerId: string; members: Member[] }>(`/api/rooms/${encodeURIComponent(name)}/join`, {});
      peerId = joined.peerId;
      members.clear();
      for (const m of joined.members) members.set(m.peerId, m);
      renderMembers();
      openStream();
      if (wasInCall) await startCall();
    } catch (err) {
      fail(err);
    }
  }

  // ---- signalling ------------------------------------------------------------------
  let outgoing = Promise.resolve();
  function signal(to: string | undefined, type: SignalType, data: unknown) {
    const from = peerId;
    outgoing = outgoing.then(() =>
      api('POST', `/api/rooms/${encodeURIComponent(name)}/signal`, { from, ...(to ? { to } : {}), type, data }).then(
        () => undefined,
        (err) => {
          if (err instanceof ApiError && to && ['peer_not_found', 'peer_not_in_call', 'not_in_call'].includes(err.code)) call?.drop(to);
          else console.warn('parley: signal not sent', type, err);
        },
      ),
    );
  }

  // ---- the call --------------------------------------------------------------------
  async function startCall() {
    callError.textContent = '';
    audioContext();
    call = new Call(peerId, rtcConfiguration(iceServers), {
      signal: (to, type, data) => signal(to, type, data),
      onRemoteStream: (who, s) => playRemote(who, s),
      onPeerState: (who, state) => {
        const v = views.get(who);
        if (v) {
          v.connection = state;
          v.state.textContent = STATE_WORDS[state];
        }
      },
    });
    try {
      await call.start(mic.value || undefined);
    } catch (err) {
      call = undefined;
      callError.textContent =
        (err as DOMException).name === 'NotAllowedError'
          ? 'Parley may not use your microphone. Allow it in the browser’s site settings, then try again.'
          : (err as DOMException).name === 'NotFoundError'
            ? 'No microphone was found.'
            : `The microphone could not be opened: ${(err as Error).message}`;
      return;
    }
    ownCallStateSeen = false;
    signal(undefined, 'state', { inCall: true, muted: false });
    for (const m of members.values()) if (m.inCall && m.peerId !== peerId) call.connect(m.peerId);
    joinCall.hidden = true;
    muteButton.hidden = leaveCall.hidden = timer.hidden = micField.hidden = false;
    muteButton.textContent = 'Mute';
    muteButton.setAttribute('aria-pressed', 'false');
    callTimer = setInterval(tick, 1000);
    tick();
    void listMicrophones();
    const self = views.get(peerId);
    if (call.local && self) stopSelfLevel = watchLevel(call.local, (l) => (self.meter.value = l));
    announce('You joined the call.');
  }

  /**
   * Of two members joining the call, the one whose in-call state comes later in the room's stream
   * offers. This tab's state is posted after the member list above was read, so everyone it shows
   * in the call is earlier and gets an offer from here. A member whose in-call state arrives
   * before this tab's own is earlier too, but joined too late for that list: offer now. One whose
   * state arrives after this tab's own offers to this tab itself (it sees this tab in the call).
   * Without this, two people joining at once could each miss the other and never connect.
   */
  function offerIfLater(who: string) {
    if (call?.active && !ownCallStateSeen) call.connect(who);
  }

  function tick() {
    if (!call?.startedAt) return;
    const s = Math.floor((Date.now() - call.startedAt) / 1000);
    timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }

  function endCall() {
    if (!call) return;
    call.stop();
    call = undefined;
    clearInterval(callTimer);
    stopSelfLevel?.();
    stopSelfLevel = undefined;
    for (const who of views.keys()) stopRemote(who);
    joinCall.hidden = false;
    muteButton.hidden = leaveCall.hidden = timer.hidden = micField.hidden = listen.hidden = true;
  }

  joinCall.addEventListener('click', () => void startCall());
  leaveCall.addEventListener('click', () => {
    endCall();
    signal(undefined, 'state', { inCall: false, muted: false });
    announce('You left the call.');
  });
  muteButton.addEventListener('click', () => {
    if (!call) return;
    call.setMuted(!call.muted);
    muteButton.textContent = call.muted ? 'Unmute' : 'Mute';
    muteButton.setAttribute('aria-pressed', String(call.muted));
    signal(undefined, 'state', { inCall: true, muted: call.muted });
  });
  mic.addEventListener('change', () => {
    if (!call || !mic.value) return;
    call.switchMicrophone(mic.value).then(
      () => {
        const self = views.get(peerId);
        stopSelfLevel?.();
        if (call?.local && self) stopSelfLevel = watchLevel(call.local, (l) => (self.meter.value = l));
        announce('Microphone changed.');
      },
      (err) => (callError.textContent = `Could not switch microphone: ${(err as Error).message}`),
    );
  });
  listen.addEventListener('click', () => {
    audioContext();
    for (const v of views.values()) void v.audio?.play().catch(() => {});
    listen.hidden = true;
  });

  async function listMicrophones() {
    const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput');
    const current = call?.local?.getAudioTracks()[0]?.getSettings().deviceId;
    replace(
      mic,
      devices.map((d, i) => h('option', { value: d.deviceId, selected: d.deviceId === current }, d.label || `Microphone ${i + 1}`)),
    );
  }

  function playRemote(who: string, s: MediaStream) {
    const v = views.get(who);
    if (!v) return;
    if (!v.audio) {
      v.audio = h('audio', { autoplay: true });
      audioBox.appendChild(v.audio);
    }
    if (v.audio.srcObject !== s) {
      v.audio.srcObject = s;
      v.stopLevel?.();
      v.stopLevel = watchLevel(s, (l) => (v.meter.value = l));
    }
    v.audio.play().catch(() => {
      // Autoplay was blocked: one click on the page lets the audio play.
      listen.hidden = false;
    });
  }

  function stopRemote(who: string) {
    const v = views.get(who);
    if (!v) return;
    v.stopLevel?.();
    v.stopLevel = undefined;
    if (v.audio) {
      v.audio.srcObject = null;
      v.audio.remove();
      v.audio = undefined;
    }
    v.meter.value = 0;
    v.state.textContent = '';
  }

  function dropView(who: string) {
    stopRemote(who);
    views.get(who)?.item.remove();
    views.delete(who);
  }

  function renderMembers() {
    for (const who of [...views.keys()]) if (!members.has(who)) dropView(who);
    for (const m of members.values()) {
      let v = views.get(m.peerId);
      if (!v) {
        const state = h('span', { class: 'conn' });
        const meter = h('meter', { min: 0, max: 1, value: 0, 'aria-label': `Audio level of ${personText(m.user)}${m.peerId === peerId ? ' (you)' : ''}` });
        const item = h('li', { 'data-peer': m.peerId });
        v = { item, state, meter };
        views.set(m.peerId, v);
      }
      const label = personName(m.user, m.peerId === peerId ? ' (you)' : '');
      const badges = [m.inCall ? 'in call' : null, m.inCall && m.muted ? 'muted' : null].filter(Boolean).join(', ');
      replace(v.item, h('span', { class: 'name' }, label), badges ? h('span', { class: 'badges' }, badges) : null, v.meter, v.state);
      memberList.appendChild(v.item);
    }
  }

  // ---- the room itself ------------------------------------------------------------
  async function deleteRoom() {
    if (!window.confirm(`Delete “${name}” for everyone? Its chat is deleted too.`)) return;
    try {
      await api('DELETE', `/api/rooms/${encodeURIComponent(name)}`);
      navigate('/');
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : 'Could not delete the room.';
    }
  }

  function leaveQuietly(id: string) {
    if (!id) return;
    void fetch(`/api/rooms/${encodeURIComponent(name)}/leave`, {
      method: 'POST',
      keepalive: true,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ peerId: id }),
    }).catch(() => {});
  }

  const onPageHide = () => leaveQuietly(peerId);
  window.addEventListener('pagehide', onPageHide);

  // Tests and curious users: the browser's own view of each connection.
  (window as unknown as { __parley?: unknown }).__parley = {
    peerId: () => peerId,
    stats: () => callStats(call),
  };

  replace(el, h('h1', {}, name), status);
  void enter();

  return {
    el,
    title: name,
    dispose() {
      disposed = true;
      window.removeEventListener('pagehide', onPageHide);
      endCall();
      stream?.close();
      leaveQuietly(peerId);
    },
  };
}
