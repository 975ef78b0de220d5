import { effect, signal } from '@preact/signals';
import { startDmAlerts } from '../dm/dm-alerts.js';
import { DmSession } from '../dm/dm-session.js';
import { watchInvites } from '../invites/watch-invites.js';
import { dmPath, navigate, parseRoute, startRouter, type Route } from '../lib/router.js';
import { currentUser, loadSession, onUserChange, sessionEnded } from '../lib/session.js';
import type { User } from '../lib/types.js';
import { closeRoomSession, currentPath, resumeRoomSession, roomSession } from '../room/current-session.js';

/**
 * What the shell shows, DOM-free: who is signed in, the route, the signed-in
 * user's DmSession (from sign-in to sign-out, whatever the screen) and the
 * page title. App.tsx renders these; nothing here knows about components.
 */
export const user = signal<User | null>(null);
/** False until the server has said who is signed in (or that nobody is). */
export const ready = signal(false);
/** The first "who is signed in" failed: the page says so instead of a blank screen. */
export const unreachable = signal(false);
export const route = signal<Route>(parseRoute(location.pathname));
export const dmSession = signal<DmSession | undefined>(undefined);
/** The shown screen's name; the title adds the unread count and "· Parley". */
export const screenTitle = signal('Parley');

let stopAlerts: (() => void) | undefined;

function signedInAs(next: User | null) {
  const dm = dmSession.peek();
  if (dm && dm.me.id !== next?.id) {
    stopAlerts?.();
    stopAlerts = undefined;
    dm.close();
    dmSession.value = undefined;
  }
  if (!next) {
    closeRoomSession();
  } else if (!dmSession.peek()) {
    const session = new DmSession(next, sessionEnded);
    const stopDmAlerts = startDmAlerts(session, () => parseRoute(location.pathname).name === 'dm', (who) => navigate(dmPath(who)));
    const stopInvites = watchInvites(session);
    stopAlerts = () => {
      stopDmAlerts();
      stopInvites();
    };
    dmSession.value = session;
    // After a reload mid-call: back into that call (shown in the call bar on other screens).
    resumeRoomSession(next);
  }
  user.value = next;
  ready.value = true;
}

/** Starts the shell's state once: session, router, title, and leaving the room when the page goes. */
export function startApp(): void {
  onUserChange(() => signedInAs(currentUser()));
  startRouter(() => {
    route.value = parseRoute(location.pathname);
    currentPath.value = location.pathname;
    const me = currentUser();
    if (me) resumeRoomSession(me);
  });
  // "(3) Rooms · Parley": the unread count shows in the tab strip too.
  effect(() => {
    const n = dmSession.value?.unreadTotal.value ?? 0;
    document.title = `${n > 0 ? `(${n}) ` : ''}${screenTitle.value} · Parley`;
  });
  // Leaving the page (a reload, a closed tab) leaves the room at once, best effort; otherwise the server times the peer out.
  window.addEventListener('pagehide', () => roomSession.value?.leaveQuietly());
  loadSession().catch(() => {
    unreachable.value = true;
    ready.value = true;
  });
}
