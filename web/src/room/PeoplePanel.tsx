import { MicOff } from 'lucide-preact';
import type { User } from '../lib/types.js';
import { RemovePerson } from './RemovePerson.js';
import { initials, peopleOf, type Person } from './people.js';
import { PersonName } from '../ui/PersonName.js';
import type { RoomSession } from './room-session.js';
import './PeoplePanel.css';

const STATE_WORDS: Partial<Record<RTCPeerConnectionState, string>> = {
  new: 'connecting…',
  connecting: 'connecting…',
  disconnected: 'reconnecting…',
  failed: 'connection failed, retrying…',
};

/**
 * Who is here, as Meet's People panel shows it: those in the call, then those only in the room.
 * One entry per person, however many tabs they have open.
 */
export function PeoplePanel({ session, user, id, hidden }: { session: RoomSession; user: User; id: string; hidden: boolean }) {
  const people = peopleOf(session, user.id);
  const inCall = people.filter((p) => p.inCall);
  const inRoom = people.filter((p) => !p.inCall);
  const states = session.peerStates.value;
  // The owner may remove anyone else: the button sits on each other person's row (not in a call's private room).
  const room = session.room.value;
  const owner = room?.owner === user.username && !room.private ? session : undefined;
  return (
    // Focusable: when the list is longer than the panel it scrolls, and a keyboard must reach it to scroll it.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable to be scrolled by keyboard.
    <section class="panel people-panel" id={id} aria-labelledby={`${id}-h`} hidden={hidden} tabIndex={0}>
      <h2 id={`${id}-h`}>People</h2>
      <Group id={`${id}-call`} title={`In the call (${inCall.length})`} people={inCall} empty="No one is in the call yet." states={states} owner={owner} />
      <Group id={`${id}-room`} title={`In the room (${inRoom.length})`} people={inRoom} empty="Everyone here is in the call." states={states} owner={owner} />
    </section>
  );
}

type Props = { states: ReadonlyMap<string, RTCPeerConnectionState>; owner: RoomSession | undefined };

function Group(props: Props & { id: string; title: string; people: Person[]; empty: string }) {
  return (
    <>
      <h3 id={props.id}>{props.title}</h3>
      {props.people.length === 0 ? <p class="people-empty">{props.empty}</p> : null}
      <ul class="people-list" aria-labelledby={props.id}>
        {props.people.map((p) => (
          <Entry key={p.user.id} person={p} states={props.states} owner={props.owner} />
        ))}
      </ul>
    </>
  );
}

function Entry({ person, states, owner }: Props & { person: Person }) {
  const tabs = person.peers.length;
  // How the connection to them is going, while it is not simply up (their tab in the call).
  const calling = person.you ? undefined : person.peers.find((m) => m.inCall);
  const state = calling ? STATE_WORDS[states.get(calling.peerId) ?? 'connected'] : undefined;
  return (
    <li class="person-entry" data-user={person.user.id} data-peer={person.peers[0]?.peerId} data-peers={person.peers.map((m) => m.peerId).join(' ')}>
      <span class="person-avatar" aria-hidden="true">
        {initials(person.user.displayName)}
      </span>
      <span class="person-text">
        <PersonName user={person.user} suffix={person.you ? ' (you)' : ''} />
        {tabs > 1 || state ? (
          <span class="person-note">
            {tabs > 1 ? `${tabs} tabs` : null}
            {tabs > 1 && state ? ', ' : null}
            {state}
          </span>
        ) : null}
      </span>
      {person.muted ? <MicOff class="person-muted" role="img" aria-label="Muted" size={18} /> : null}
      {owner && !person.you && person.peers[0] ? <RemovePerson session={owner} user={person.user} peerId={person.peers[0].peerId} /> : null}
    </li>
  );
}
