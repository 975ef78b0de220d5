import { Phone } from 'lucide-preact';
import type { User } from '../lib/types.js';
import { DevicesSpot } from './DevicesSpot.js';
import { initials, peopleOf } from './people.js';
import type { RoomSession } from './room-session.js';
import './PreJoin.css';

/**
 * Before joining, where the call will be: who is in it already, the device check's place, and
 * "Join call". Joining asks for the microphone then.
 */
export function PreJoin({ session, user }: { session: RoomSession; user: User }) {
  const inCall = peopleOf(session, user.id).filter((p) => p.inCall && !p.you);
  const names = inCall.map((p) => p.user.displayName);
  const who =
    names.length === 0
      ? 'No one is in the call yet.'
      : names.length <= 3
        ? `${listWords(names)} ${names.length === 1 ? 'is' : 'are'} in the call.`
        : `${listWords([...names.slice(0, 2), `${names.length - 2} others`])} are in the call.`;
  return (
    <section class="prejoin" aria-labelledby="prejoin-h">
      <h2 id="prejoin-h">Ready to join?</h2>
      {inCall.length > 0 ? (
        <ul class="prejoin-faces" aria-hidden="true">
          {inCall.slice(0, 5).map((p) => (
            <li key={p.user.id}>{initials(p.user.displayName)}</li>
          ))}
        </ul>
      ) : null}
      <p class="prejoin-who">{who}</p>
      <DevicesSpot session={session} where="prejoin" />
      <button type="button" class="primary prejoin-join" data-focus="join" onClick={() => void session.startCall()}>
        <Phone aria-hidden="true" size={20} />
        Join call
      </button>
    </section>
  );
}

/** "Ann", "Ann and Bob", "Ann, Bob and Carol". */
function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
