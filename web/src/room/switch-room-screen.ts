import { h, type Screen } from '../lib/dom.js';
import { roomPath } from '../lib/router.js';
import type { RoomSession } from './room-session.js';

/**
 * Opening another room while in a call. A tab is in one call at a time, and a
 * link click must not silently end the call (Discord asks before moving you to
 * another voice channel; Meet says you are already in a call): ask.
 */
export function renderSwitchRoom(target: string, session: RoomSession, open: () => void): Screen {
  const el = h(
    'section',
    { class: 'screen narrow' },
    h('h1', {}, target),
    h('p', {}, `You are in a call in “${session.name}”. Opening “${target}” ends that call.`),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'primary', on: { click: () => { session.leaveCall(); session.leave(); open(); } } }, `Leave call and open ${target}`),
      h('a', { href: roomPath(session.name), 'data-link': true }, `Back to the call in ${session.name}`),
    ),
  );
  return { el, title: target, dispose() {} };
}
