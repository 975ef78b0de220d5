import { effect, signal } from '@preact/signals';
import { startCallAlerts } from '../calls/call-alerts.js';
import { DmCalls } from '../calls/dm-calls.js';
import { startDmAlerts } from '../dm/dm-alerts.js';
import { DmSession } from '../dm/dm-session.js';
import { watchInvites } from '../invites/watch-invites.js';
import { announce } from '../lib/dom.js';
import { dmPath, navigate, parseRoute, roomPath, startRouter, type Route } from '../lib/router.js';
import { currentUser, loadSession, onUserChange, sessionEnded } from '../lib/session.js';
import type { User } from '../lib/types.js';
import { closeRoomSession, currentPath, openRoomSession, resumeRoomSession, roomSession } from '../room/current-session.js';
import { CALL_MARKER_KEY, type CallMarker } from '../room/room-session.js';

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
/** Calls from a conversation, on the DmSession's socket, for the same signed-in time. */
export const dmCalls = signal<DmCalls | undefined>(undefined);
/** The shown screen's name; the title adds the unread count and "· Parley". */
export const screenTitle = signal('Parley');

let stopAlerts: (() => void) | undefined;

function signedInAs(next: User | null) {
  const dm = dmSession.peek();
  if (dm && dm.me.id !== next?.id) {
    stopAlerts?.();
    stopAlerts = undefined;
    dmCalls.peek()?.close();
    dmCalls.value = undefined;
    dm.close();
    dmSession.value = undefined;
  }
  if (!next) {
    closeRoomSession();
  } else if (!dmSession.peek()) {
    const session = new DmSession(next, sessionEnded);
    const calls = new DmCalls(session.client, callHooks);
    const stopDm = startDmAlerts(
      session,
      () => parseRoute(location.pathname).name === 'dm',
      (who) => navigate(dmPath(who)),
    );
    const stopCalls = startCallAlerts(calls);
    const stopInvites = watchInvites(session);
    stopAlerts = () => {
      stopDm();
      stopCalls();
      stopInvites();
    };
    dmSession.value = session;
    dmCalls.value = calls;
    // After a reload mid-call: back into that call (shown in the call bar on other screens).
    resumeRoomSession(next);
    // A call from a conversation kept over a reload is in its room; if the room is gone, so is the call (see wireCallRoom).
    const kept = calls.call.peek();
    if (kept && roomSession.peek()?.name !== kept.room) openRoomSession(kept.room, next, { direct: true });
  }
  user.value = next;
  ready.value = true;
}

/** How the calls move the person around and reach the tab's room session (see DmCalls). */
const callHooks = {
  showing: (room: string) => {
    const r = parseRoute(location.pathname);
    return r.name === 'room' && r.room === room;
  },
  openRoom(room: string) {
    // Joined at once, in the call, as after a reload mid-call (while the screen's code may still be on its way).
    // A tab is in one call at a time: another room's call ends here.
    sessionStorage.setItem(CALL_MARKER_KEY, JSON.stringify({ room, inCall: true } satisfies CallMarker));
    const me = currentUser();
    if (me) openRoomSession(room, me, { direct: true });
    navigate(roomPath(room));
  },
  openThread: (username: string) => navigate(dmPath(username), true),
  leaveRoom(room: string) {
    if (roomSession.peek()?.name === room) closeRoomSession();
  },
  announce,
};

/**
 * While the tab's room is the call's: the call bar and control bar say "Call with Ann", leaving
 * the call (from any of them) hangs up, and the room closing ends the call here.
 */
function wireCallRoom() {
  effect(() => {
    const room = roomSession.value;
    const calls = dmCalls.value;
    const call = calls?.call.value;
    if (!room || !calls || !call || call.room !== room.name || call.phase === 'ended') return;
    // The room closes when the call ends: a call whose end the socket did not hear is over all the same.
    const phase = room.phase.value;
    if (phase === 'closed' || phase === 'failed') return void calls.roomGone(call.id);
    room.title.value = `Call with ${call.with.displayName}`;
    return room.listen({ leftCall: () => calls.hangUp() });
  });
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
  wireCallRoom();
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
