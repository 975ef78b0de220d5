import { renderAuth } from './auth/auth-screen.js';
import { DmClient } from './dm/dm-client.js';
import { renderDm } from './dm/dm-screen.js';
import { renderHome } from './home/home-screen.js';
import { h, replace, type Screen } from './lib/dom.js';
import { dmPath, navigate, parseRoute, startRouter } from './lib/router.js';
import { currentUser, loadSession, logout, onUserChange, sessionEnded } from './lib/session.js';
import { renderRoom } from './room/room-screen.js';
import { personName } from './lib/person.js';

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
replace(app, h('header', { class: 'top' }, h('a', { href: '/', 'data-link': true, class: 'brand' }, 'Parley'), nav), main, announcer);

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
    h('span', { class: 'who' }, personName(user)),
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
    if (route.name === 'room') screen = renderRoom(route.room, user);
    else if (route.name === 'dm') screen = renderDm(route.with, user, dm);
    else screen = renderHome(user, dm);
  }
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
  }
  renderNav();
  render();
});

startRouter(render);
// Knowing who is signed in renders the first screen (through onUserChange), once.
loadSession().catch(() => replace(main, h('p', { role: 'alert' }, 'Parley cannot be reached right now. Reload the page to try again.')));

export { navigate };
