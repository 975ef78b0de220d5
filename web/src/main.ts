import { renderAuth } from './auth/auth-screen.js';
import { DmClient } from './dm/dm-client.js';
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
replace(app, h('header', { class: 'top' }, h('a', { href: '/', 'data-link': true, class: 'brand' }, 'Parley'), nav), callBar, main, announcer, callAudio);
mountCallBar(callBar);
mountCallAudio(callAudio);
// Leaving the page (a reload, a closed tab) leaves the room at once, best effort; otherwise the server times the peer out.
window.addEventListener('pagehide', () => roomSession.value?.leaveQuietly());

let screen: Screen | undefined;
let dm: DmClient | undefined;

function renderNav() {
  const user = currentUser();
  if (!user) {
    replace(nav);
    return;
  }
  replace(
    nav,
    h('a', { href: '/', 'data-link': true }, 'Rooms'),
    h('a', { href: dmPath(), 'data-link': true }, 'Messages'),
    h('span', { class: 'who' }, user.displayName),
    h('button', { type: 'button', on: { click: () => void logout() } }, 'Log out'),
  );
}

function render() {
  screen?.dispose();
  screen = undefined;
  const user = currentUser();
  if (!user) {
    screen = renderAuth();
  } else {
    const route = parseRoute(location.pathname);
    dm ??= new DmClient(sessionEnded);
    // After a reload mid-call: back into that call (shown in the call bar when on another screen).
    resumeRoomSession(user);
    const inCall = roomSession.value?.holdsCall ? roomSession.value : undefined;
    if (route.name === 'room' && inCall && inCall.name !== route.room) screen = renderSwitchRoom(route.room, inCall, render);
    else if (route.name === 'room') screen = renderRoom(route.room, user);
    else if (route.name === 'dm') screen = renderDm(route.with, user, dm);
    else screen = renderHome(user, dm);
  }
  currentPath.value = location.pathname;
  document.title = `${screen.title} · Parley`;
  replace(main, screen.el);
  const heading = main.querySelector('h1');
  // Move focus to the new screen so keyboard and screen-reader users start there.
  if (document.activeElement === document.body || !document.activeElement || !main.contains(document.activeElement)) {
    (heading as HTMLElement | null)?.setAttribute('tabindex', '-1');
    (heading as HTMLElement | null)?.focus({ preventScroll: true });
  }
}

onUserChange(() => {
  if (!currentUser()) {
    dm?.close();
    dm = undefined;
    closeRoomSession();
  }
  renderNav();
  render();
});

startRouter(render);
// Knowing who is signed in renders the first screen (through onUserChange), once.
loadSession().catch(() => replace(main, h('p', { role: 'alert' }, 'Parley cannot be reached right now. Reload the page to try again.')));

export { navigate };
