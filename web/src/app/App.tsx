import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { AuthScreen } from '../auth/AuthScreen.js';
import { IncomingCalls } from '../calls/IncomingCalls.js';
import { DmScreen } from '../dm/DmScreen.js';
import { DmToasts } from '../dm/DmToasts.js';
import { HomeScreen } from '../home/HomeScreen.js';
import { mountCallAudio } from '../room/call-audio.js';
import { CallBar } from '../room/CallBar.js';
import { focusHeading } from '../lib/dom.js';
import { roomSession } from '../room/current-session.js';
import { dmCalls, dmSession, ready, route, screenTitle, unreachable, user } from './app-state.js';
import { Header } from './Header.js';
import { CallRoute, preloadCallScreen, RoomRoute, SettingsScreen, SwitchRoomScreen } from './lazy-screens.js';

/**
 * The shell: the header, one screen at a time in <main>, and a polite live
 * region for announcements. Screens are chosen by the URL; signed-out
 * visitors see the sign-in screen on any URL and land where they were going
 * once signed in. The call bar, the call's audio, the DM toasts and incoming
 * calls live outside <main>: the call outlives the screen that started it.
 */
export function App() {
  const audio = useRef<HTMLDivElement>(null);
  // The switch-room prompt ends a call; the shell then shows the room asked for.
  const [, rerender] = useState(0);
  useLayoutEffect(() => mountCallAudio(audio.current!), []);

  const { key, screen } = chooseScreen(() => rerender((n) => n + 1));
  const userId = user.value?.id;
  // Move focus to the new screen's heading so keyboard and screen-reader users start there.
  useEffect(focusHeading, [key, userId]);

  return (
    <>
      <Header />
      <div class="call-bar-mount">
        <CallBar />
      </div>
      <main id="main" tabindex={-1}>
        {screen}
      </main>
      <div id="announcer" class="visually-hidden" aria-live="polite" role="status" />
      <DmToasts />
      <IncomingCalls onRing={preloadCallScreen} />
      <div class="audio-box" ref={audio} />
    </>
  );
}

function chooseScreen(onLeftCall: () => void): { key: string; screen: ComponentChildren } {
  const me = user.value;
  if (!ready.value) return { key: 'loading', screen: null };
  if (!me && unreachable.value) {
    return { key: 'unreachable', screen: <p role="alert">Parley cannot be reached right now. Reload the page to try again.</p> };
  }
  if (!me)
    return {
      key: 'auth',
      screen: (
        <Titled key="auth" title="Sign in">
          <AuthScreen />
        </Titled>
      ),
    };
  const r = route.value;
  const dm = dmSession.value!;
  const call = dmCalls.value?.call.value;
  if (r.name === 'room' && call && call.room === r.room) {
    return {
      key: `call:${r.room}`,
      screen: (
        <Titled key={`call:${r.room}`} title={`Call with ${call.with.displayName}`}>
          <CallRoute call={call} calls={dmCalls.value!} user={me} />
        </Titled>
      ),
    };
  }
  if (r.name === 'room') {
    const session = roomSession.value;
    const inCall = session?.holdsCall ? session : undefined;
    if (inCall && inCall.name !== r.room) {
      return { key: `switch:${r.room}`, screen: <SwitchRoomScreen key={`switch:${r.room}`} target={r.room} session={inCall} onLeft={onLeftCall} /> };
    }
    return {
      key: `room:${r.room}`,
      screen: (
        <Titled key={`room:${r.room}`} title={r.room}>
          <RoomRoute name={r.room} user={me} />
        </Titled>
      ),
    };
  }
  if (r.name === 'dm') return { key: `dm:${r.with ?? ''}`, screen: <DmScreen key={`dm:${dm.me.id}`} other={r.with?.toLowerCase()} me={me} session={dm} /> };
  if (r.name === 'settings')
    return {
      key: 'settings',
      screen: (
        <Titled key="settings" title="Settings">
          <SettingsScreen user={me} />
        </Titled>
      ),
    };
  return {
    key: 'home',
    screen: (
      <Titled key="home" title="Rooms">
        <HomeScreen user={me} session={dm} />
      </Titled>
    ),
  };
}

/** A screen whose title does not change while it is shown. */
function Titled({ title, children }: { title: string; children: ComponentChildren }) {
  useLayoutEffect(() => {
    screenTitle.value = title;
  }, [title]);
  return <>{children}</>;
}
