import { renderAuth } from './auth/auth-screen.js';
import { effect, signal } from '@preact/signals';
import { createElement, render as mount } from 'preact';
import { startDmAlerts } from './dm/dm-alerts.js';
import { DmSession } from './dm/dm-session.js';
import { DmToasts } from './dm/DmToasts.js';
import { renderDm } from './dm/dm-screen.js';
import { renderHome } from './home/home-screen.js';
import { h, replace, type Screen } from './lib/dom.js';
import { dmPath, navigate, parseRoute, startRouter } from './lib/router.js';
import { currentUser, loadSession, logout, onUserChange, sessionEnded } from './lib/session.js';
import { mountCallAudio } from './room/call-audio.js';
import { mountCallBar } from './room/call-bar-mount.js';
import { closeRoomSession, currentPath, resumeRoomSession, roomSession } from './room/current-session.js';
import { renderRoom } from './room/room-screen.js';
import { renderSwitchRoom } from './room/switch-room-screen.js';
import { personName } from './lib/person.js';
import { renderSettings } from './settings/settings-screen.js';
import { House, LogOut, MessageCircle, Settings } from 'lucide-preact';
import { icon } from './ui/icon.js';

/**
 * The shell: a header with navigation, one screen at a time in <main>, and
 * a polite live region for announcements. Screens are chosen by the URL;
 * signed-out visitors see the sign-in screen on any URL and land where they
 * were going once signed in.
 */
const app = document.getElementById('app')!;
const main = h('main', { id: 'main', tabindex: '-1' });
const nav = h('nav', { 'aria-label': 'Main' });
const announcer = h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite', role: 'status' });
// The call bar and the call's audio live outside <main>: the call outlives the screen that started it.
const callBar = h('div', { class: 'call-bar-mount' });
const callAudio = h('div', { class: 'audio-box' });
const toastMount = h('div', { class: 'mount' });
replace(app, h('header', { class: 'top' }, h('a', { href: '/', 'data-link': true, class: 'brand' }, 'Parley'), nav), callBar, main, announcer, toastMount, callAudio);
mountCallBar(callBar);
mountCallAudio(callAudio);
mount(createElement(DmToasts, {}), toastMount);
// Leaving the page (a reload, a closed tab) leaves the room at once, best effort; otherwise the server times the peer out.
window.addEventListener('pagehide', () => roomSession.value?.leaveQuietly());

let screen: Screen | undefined;
// The signed-in user's direct messages, from sign-in to sign-out, whatever the screen.
let dm: DmSession | undefined;
let stopAlerts: (() => void) | undefined;
const dmSession = signal<DmSession | undefined>(undefined);
const screenTitle = signal('Parley');
const unread = () => dmSession.value?.unreadTotal.value ?? 0;
// "(3) Rooms · Parley": the unread count shows in the tab strip too.
effect(() => {
  const n = unread();
  document.title = `${n > 0 ? `(${n}) ` : ''}${screenTitle.value} · Parley`;
});

function renderNav() {
  const user = currentUser();
  if (!user) {
    replace(nav);
    return;
  }
  replace(
    nav,
    // On a phone the words are visually hidden and the icons stand in; the names stay the words.
    h('a', { href: '/', 'data-link': true, class: 'nav-item' }, icon(House), h('span', { class: 'nav-label' }, 'Rooms')),
    messagesLink(),
    h('a', { href: '/settings', 'data-link': true, class: 'nav-item' }, icon(Settings), h('span', { class: 'nav-label' }, 'Settings')),
    h('span', { class: 'who' }, personName(user)),
    h('button', { type: 'button', class: 'nav-item', on: { click: () => void logout() } }, icon(LogOut), h('span', { class: 'nav-label' }, 'Log out')),
  );
}

/** "Messages" with the unread count as a badge; its accessible name says it in words. */
let badgeOff: (() => void) | undefined;
function messagesLink() {
  const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  const link = h('a', { href: dmPath(), 'data-link': true, class: 'nav-item messages-link' }, icon(MessageCircle), h('span', { class: 'nav-label' }, 'Messages'), badge);
  badgeOff?.();
  badgeOff = effect(() => {
    const n = unread();
    badge.textContent = String(n);
    badge.hidden = n === 0;
    if (n > 0) link.setAttribute('aria-label', `Messages, ${n} unread`);
    else link.removeAttribute('aria-label');
  });
  return link;
}

function render() {
  screen?.dispose();
  screen = undefined;
  const user = currentUser();
  if (!user) {
    screen = renderAuth();
  } else {
    const route = parseRoute(location.pathname);
    if (!dm) {
      dm = new DmSession(user, sessionEnded);
      dmSession.value = dm;
      stopAlerts = startDmAlerts(dm, () => parseRoute(location.pathname).name === 'dm', (who) => navigate(dmPath(who)));
    }
    // After a reload mid-call: back into that call (shown in the call bar when on another screen).
    resumeRoomSession(user);
    const inCall = roomSession.value?.holdsCall ? roomSession.value : undefined;
    if (route.name === 'room' && inCall && inCall.name !== route.room) screen = renderSwitchRoom(route.room, inCall, render);
    else if (route.name === 'room') screen = renderRoom(route.room, user);
    else if (route.name === 'dm') screen = renderDm(route.with, user, dm);
    else if (route.name === 'settings') screen = renderSettings(user);
    else screen = renderHome(user, dm.client);
  }
  currentPath.value = location.pathname;
  screenTitle.value = screen.title;
  replace(main, screen.el);
  const heading = main.querySelector('h1');
  // Move focus to the new screen so keyboard and screen-reader users start there.
  if (document.activeElement === document.body || !document.activeElement || !main.contains(document.activeElement)) {
    (heading as HTMLElement | null)?.setAttribute('tabindex', '-1');
    (heading as HTMLElement | null)?.focus({ preventScroll: true });
  }
}

// Whose screens are shown: a new display name updates the header but does not rebuild the screen.
let shownFor: number | null | undefined;
onUserChange(() => {
  const id = currentUser()?.id ?? null;
  const same = id === shownFor;
  shownFor = id;
  if (!currentUser()) {
    stopAlerts?.();
    dm?.close();
    dm = undefined;
    dmSession.value = undefined;
    closeRoomSession();
  }
  renderNav();
  if (!same) render();
});

startRouter(render);
// Knowing who is signed in renders the first screen (through onUserChange), once.
loadSession().catch(() => replace(main, h('p', { role: 'alert' }, 'Parley cannot be reached right now. Reload the page to try again.')));

export { navigate };
