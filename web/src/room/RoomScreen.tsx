import { useSignal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { LAST_ROOM_KEY } from '../lib/last-room.js';
import { announce } from '../lib/dom.js';
import type { User } from '../lib/types.js';
import { StageNotices } from './StageNotices.js';
import { CallStage } from './CallStage.js';
import { ControlBar, type Panels } from './ControlBar.js';
import { peopleOf } from './people.js';
import { PeoplePanel } from './PeoplePanel.js';
import { PreJoin } from './PreJoin.js';
import { RoomChat } from './RoomChat.js';
import { RoomHeader } from './RoomHeader.js';
import { RoomPassword } from './RoomPassword.js';
import type { RoomSession } from './room-session.js';
import { TransfersSpot } from './transfers-spot.js';
import './RoomScreen.css';

/** Where the side panel sits beside the stage; narrower, a panel takes the stage's place. */
const WIDE = '(min-width: 50rem)';
const PANEL_IDS = { people: 'room-people', chat: 'room-chat' };

/**
 * A room at /r/<name>: a view of the tab's RoomSession. Before it is entered, "Joining…", the
 * password, or why not; inside, Meet's layout: the heading row, the stage (the pre-join card, or
 * the call's tiles) with People and Chat as a side panel, and the control bar at the foot.
 */
export function RoomScreen({ session, user }: { session: RoomSession; user: User }) {
  const phase = session.phase.value;
  const problem = session.problem.value;
  useEffect(() => session.listen({ announce }), [session]);
  // Each phase has its own heading element: when the one the shell focused goes, focus the new one
  // (for screen readers; no ring is drawn on a heading), rather than leave focus on the page.
  useLayoutEffect(() => {
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const h1 = document.querySelector<HTMLElement>('#main h1');
    h1?.setAttribute('tabindex', '-1');
    h1?.focus({ preventScroll: true });
  }, [phase]);

  if (phase === 'joining') {
    return (
      <section class="screen room-screen-plain">
        <h1>{session.name}</h1>
        <p class="status" role="status">
          Joining…
        </p>
      </section>
    );
  }
  if (phase === 'password') {
    return (
      <section class="screen room-screen-plain">
        <h1>{session.name}</h1>
        <RoomPassword session={session} problem={problem?.words} />
      </section>
    );
  }
  if (phase === 'failed' || phase === 'closed') {
    return (
      <section class="screen room-screen-plain">
        <h1>{session.name}</h1>
        <p role="alert" class="error">
          {phase === 'closed' ? 'This room was deleted by its owner.' : (problem?.words ?? 'Something went wrong.')}
        </p>
        <p>
          <a href="/" data-link>
            {problem?.code === 'removed' ? 'Back to Home' : 'Back to rooms'}
          </a>
        </p>
      </section>
    );
  }
  return <InRoom session={session} user={user} />;
}

function InRoom({ session, user }: { session: RoomSession; user: User }) {
  const wide = useSignal(matchMedia(WIDE).matches);
  // On a wide screen People and Chat start open beside the stage; on a phone the stage comes first.
  const panels = useSignal<Panels>({ people: wide.value, chat: wide.value });
  // Messages that came while the chat was closed: a badge on its button, as in Meet.
  const unseen = useSignal(0);
  const root = useRef<HTMLElement>(null);
  const inCall = session.inCall.value;
  const wasInCall = useRef(inCall);

  useEffect(() => localStorage.setItem(LAST_ROOM_KEY, session.name), [session]);

  useEffect(() => {
    const query = matchMedia(WIDE);
    const change = () => {
      wide.value = query.matches;
      // One panel at a time on a phone, over the stage: none until asked for.
      if (!query.matches) panels.value = { people: false, chat: false };
      else if (!panels.value.people && !panels.value.chat) panels.value = { people: true, chat: true };
    };
    query.addEventListener('change', change);
    return () => query.removeEventListener('change', change);
  }, []);

  // On a phone, Escape closes the open panel and goes back to the stage, focus on its button.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || wide.value || e.defaultPrevented) return;
      const open = (Object.keys(panels.value) as Array<keyof Panels>).find((k) => panels.value[k]);
      if (!open) return;
      panels.value = { people: false, chat: false };
      root.current?.querySelector<HTMLElement>(`[aria-controls="${PANEL_IDS[open]}"]`)?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  // Focus follows the button that went away: to Mute once in the call, back to Join call after leaving.
  useEffect(() => {
    if (wasInCall.current === inCall) return;
    wasInCall.current = inCall;
    // On a phone, leaving shows the stage again (with "Join call"), not the panel that was open.
    if (!inCall && !wide.value) panels.value = { people: false, chat: false };
    const active = document.activeElement;
    if (active && active !== document.body && root.current?.contains(active)) return;
    requestAnimationFrame(() => root.current?.querySelector<HTMLElement>(inCall ? '[data-focus="mute"]' : '[data-focus="join"]')?.focus());
  }, [inCall]);

  function toggle(panel: keyof Panels) {
    const open = !panels.value[panel];
    if (panel === 'chat' && open) unseen.value = 0;
    // On a phone a panel replaces the stage, so opening one closes the other.
    panels.value = wide.value ? { ...panels.value, [panel]: open } : { people: false, chat: false, [panel]: open };
    if (open) {
      // Straight to the message field, or to the panel, as Meet does.
      requestAnimationFrame(() => {
        const target =
          panel === 'chat'
            ? root.current?.querySelector<HTMLElement>(`#${PANEL_IDS.chat} input[name="message"]`)
            : root.current?.querySelector<HTMLElement>(`#${PANEL_IDS.people}`);
        target?.focus();
      });
    }
  }

  const people = peopleOf(session, user.id).length;
  const anyPanel = panels.value.people || panels.value.chat;
  const status = session.status.value;
  return (
    <section ref={root} class={`screen room-screen${anyPanel ? ' with-panel' : ''}`}>
      <RoomHeader session={session} user={user} />
      <p class="status" role="status">
        {status}
      </p>
      <div class="room-body">
        <div class="room-stage">
          <StageNotices session={session} />
          {inCall ? <CallStage session={session} /> : <PreJoin session={session} user={user} />}
          <TransfersSpot session={session} />
        </div>
        <div class="room-side" hidden={!anyPanel}>
          <PeoplePanel session={session} user={user} id={PANEL_IDS.people} hidden={!panels.value.people} />
          <RoomChat session={session} userId={user.id} id={PANEL_IDS.chat} hidden={!panels.value.chat} onUnseen={() => unseen.value++} />
        </div>
      </div>
      <ControlBar session={session} people={people} unseen={unseen.value} panels={panels.value} panelIds={PANEL_IDS} toggle={toggle} />
    </section>
  );
}
