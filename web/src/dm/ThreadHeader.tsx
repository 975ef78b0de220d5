import { CallButton } from '../calls/CallButton.js';
import { personText } from '../lib/person.js';
import { Avatar } from '../ui/Avatar.js';
import { PersonName } from '../ui/PersonName.js';
import { BackLink } from './BackLink.js';
import { BlockButton } from './BlockButton.js';
import type { ThreadPerson } from './thread-person.js';

/**
 * The top of a thread: who it is with (named once: the heading), whether they
 * are online, Call and Block. On a phone, where the list and the thread are
 * separate views, a back link leads to the conversations.
 */
export function ThreadHeader({ who }: { who: ThreadPerson }) {
  const person = who.person.value;
  const online = who.online.value;
  return (
    <div class="thread-head">
      <BackLink />
      {person && <Avatar name={person.displayName} online={online} />}
      <div class="thread-title">
        <h1 aria-label={`Messages with ${person ? personText(person) : `@${who.username}`}`}>{person ? <PersonName user={person} /> : `@${who.username}`}</h1>
        {person && <span class="thread-presence">{online ? 'Online' : 'Offline'}</span>}
      </div>
      {who.state.value === 'found' && person && <CallButton person={person} blocked={who.blocked.value} />}
      {who.state.value === 'found' && <BlockButton who={who} />}
    </div>
  );
}
