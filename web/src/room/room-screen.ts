import { effect } from '@preact/signals';
import { announce, field, h, replace, type Screen } from '../lib/dom.js';
import { navigate, roomPath } from '../lib/router.js';
import { setSoundsOn, soundsOn } from '../lib/sound.js';
import { subscribeLevel } from './levels.js';
import type { User } from '../lib/types.js';
import { LAST_ROOM_KEY } from '../home/home-screen.js';
import { createRoomChat } from './room-chat.js';
import { personName, personText } from '../lib/person.js';
import { resumeCallAudio } from './call-audio.js';
import { openRoomSession, releaseRoomSession } from './current-session.js';
import { mountCallStage } from './call-stage-mount.js';
import { mountDeviceCheck, mountDeviceMenu } from './device-mount.js';

type PeerView = {
  item: HTMLLIElement;
  state: HTMLSpanElement;
  meter: HTMLMeterElement;
  stream?: MediaStream;
  stopLevel?: () => void;
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
 * A room at /r/<name>: a view of the tab's RoomSession (joining, members,
 * the call), plus the room chat. The session belongs to the shell, so when
 * this screen goes away during a call the call goes on; coming back shows it.
 */
export function renderRoom(name: string, user: User): Screen {
  const session = openRoomSession(name, user);
  const el = h('section', { class: 'screen room' });
  const status = h('p', { class: 'status', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const views = new Map<string, PeerView>();
  const stops: Array<() => void> = [];
  let shown: string | undefined;
  let stopSelfLevel: (() => void) | undefined;

  // ---- the page's parts -------------------------------------------------------------
  const memberList = h('ul', { class: 'members', 'aria-label': 'People in this room' });
  const joinCall = h('button', { type: 'button', class: 'primary', on: { click: () => void session.startCall() } }, 'Join call');
  const muteButton = h('button', { type: 'button', hidden: true, 'aria-pressed': 'false', on: { click: () => session.toggleMute() } }, 'Mute');
  const leaveCall = h('button', { type: 'button', hidden: true, on: { click: () => session.leaveCall() } }, 'Leave call');
  const timer = h('span', { class: 'timer', hidden: true, role: 'timer', 'aria-label': 'Time in call' });
  const deviceCheck = h('div', { class: 'device-check-box' });
  const deviceMenu = h('span', { class: 'device-menu-box' });
  stops.push(mountDeviceCheck(deviceCheck, session), mountDeviceMenu(deviceMenu, session));
  const listen = h('button', { type: 'button', hidden: true, class: 'primary', on: { click: () => resumeCallAudio() } }, 'Click to listen');
  const callError = h('p', { class: 'error', role: 'alert' });
  const stage = h('div', { class: 'stage-box' });
  stops.push(mountCallStage(stage, session));
  const chat = createRoomChat(name, () => session.peerId.value);
  const sounds = h('input', { type: 'checkbox', name: 'sounds', checked: soundsOn() });
  sounds.addEventListener('change', () => setSoundsOn(sounds.checked));

  stops.push(
    session.listen({
      chat: (m) => chat.add(m),
      notice: (text) => chat.notice(text),
      announce,
    }),
  );

  // ---- what the session's phase shows -----------------------------------------------
  function showFailure(words: string) {
    replace(el, h('h1', {}, name), h('p', { role: 'alert', class: 'error' }, words), h('p', {}, h('a', { href: '/', 'data-link': true }, 'Back to rooms')));
  }

  function askPassword(problem?: string) {
    const input = h('input', { type: 'password', name: 'room-password', required: true, autocomplete: 'current-password' });
    const form = h(
      'form',
      {
        class: 'card narrow',
        on: {
          submit: (e: SubmitEvent) => {
            e.preventDefault();
            void session.enter(input.value);
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
    localStorage.setItem(LAST_ROOM_KEY, name);
    const room = session.room.value;
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
          deviceCheck,
          h('div', { class: 'actions' }, joinCall, muteButton, deviceMenu, leaveCall, timer),
          listen,
          callError,
          stage,
          h('h3', {}, 'People'),
          memberList,
          h('label', { class: 'check' }, sounds, ' Play a sound when people join or leave'),
        ),
        chat.section,
      ),
    );
    void chat.load();
  }

  stops.push(
    effect(() => {
      const phase = session.phase.value;
      const problem = session.problem.value;
      const key = `${phase}:${problem?.words ?? ''}`;
      if (key === shown) return;
      shown = key;
      if (phase === 'joining') replace(el, h('h1', {}, name), status);
      else if (phase === 'password') askPassword(problem?.words);
      else if (phase === 'failed') showFailure(problem?.words ?? 'Something went wrong.');
      else if (phase === 'closed') showFailure('This room was deleted by its owner.');
      else showRoom();
    }),
    effect(() => {
      status.textContent = session.phase.value === 'joining' ? 'Joining…' : session.status.value;
    }),
    effect(() => {
      callError.textContent = session.callError.value;
    }),
    effect(() => {
      const inCall = session.inCall.value;
      const muted = session.muted.value;
      joinCall.hidden = inCall;
      muteButton.hidden = leaveCall.hidden = timer.hidden = !inCall;
      muteButton.textContent = muted ? 'Unmute' : 'Mute';
      muteButton.setAttribute('aria-pressed', String(muted));
    }),
    effect(() => {
      listen.hidden = !session.audioBlocked.value;
    }),
    effect(() => {
      const startedAt = session.startedAt.value;
      if (!startedAt) return;
      const tick = () => {
        const s = Math.floor((Date.now() - startedAt) / 1000);
        timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
      };
      tick();
      const t = setInterval(tick, 1000);
      return () => clearInterval(t);
    }),
    effect(() => renderMembers()),
    effect(() => {
      const states = session.peerStates.value;
      for (const [who, v] of views) v.state.textContent = STATE_WORDS[states.get(who) ?? 'closed'];
    }),
    effect(() => {
      const streams = session.remoteStreams.value;
      for (const [who, v] of views) {
        const s = streams.get(who);
        if (v.stream === s) continue;
        v.stopLevel?.();
        v.stopLevel = undefined;
        v.stream = s;
        v.meter.value = 0;
        if (s) v.stopLevel = subscribeLevel(s, (l) => (v.meter.value = l));
      }
    }),
    effect(() => {
      const local = session.localStream.value;
      // Read members too, so the meter is wired once this tab's own entry exists.
      const self = session.members.value.has(session.peerId.value) ? views.get(session.peerId.value) : undefined;
      stopSelfLevel?.();
      stopSelfLevel = undefined;
      if (local && self) stopSelfLevel = subscribeLevel(local, (l) => (self.meter.value = l));
      else if (self) self.meter.value = 0;
    }),
  );

  function dropView(who: string) {
    const v = views.get(who);
    v?.stopLevel?.();
    v?.item.remove();
    views.delete(who);
  }

  function renderMembers() {
    const members = session.members.value;
    const self = session.peerId.value;
    const states = session.peerStates.peek();
    const streams = session.remoteStreams.peek();
    for (const who of [...views.keys()]) if (!members.has(who)) dropView(who);
    for (const m of members.values()) {
      let v = views.get(m.peerId);
      if (!v) {
        const state = h('span', { class: 'conn' }, STATE_WORDS[states.get(m.peerId) ?? 'closed']);
        const meter = h('meter', { min: 0, max: 1, value: 0, 'aria-label': `Audio level of ${personText(m.user)}${m.peerId === self ? ' (you)' : ''}` });
        const item = h('li', { 'data-peer': m.peerId });
        v = { item, state, meter };
        const s = streams.get(m.peerId);
        if (s) {
          const view = v;
          v.stream = s;
          v.stopLevel = subscribeLevel(s, (l) => (view.meter.value = l));
        }
        views.set(m.peerId, v);
      }
      const label = personName(m.user, m.peerId === self ? ' (you)' : '');
      const badges = [m.inCall ? 'in call' : null, m.inCall && m.muted ? 'muted' : null].filter(Boolean).join(', ');
      replace(v.item, h('span', { class: 'name' }, label), badges ? h('span', { class: 'badges' }, badges) : null, v.meter, v.state);
      memberList.appendChild(v.item);
    }
  }

  async function deleteRoom() {
    if (!window.confirm(`Delete “${name}” for everyone? Its chat is deleted too.`)) return;
    try {
      await session.deleteRoom();
      navigate('/');
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : 'Could not delete the room.';
    }
  }

  return {
    el,
    title: name,
    dispose() {
      for (const stop of stops) stop();
      stopSelfLevel?.();
      for (const who of [...views.keys()]) dropView(who);
      // Without a call there is nothing to keep: leave the room as before. With one, the call goes on.
      releaseRoomSession(session);
    },
  };
}
