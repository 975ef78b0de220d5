import { dmCalls } from '../app/app-state.js';
import { CallButton } from '../calls/CallButton.js';
import { personText } from '../lib/person.js';
import { Avatar } from '../ui/Avatar.js';
import { roomSession } from '../room/current-session.js';
import { lazy } from '../ui/lazy.js';
import { PersonName } from '../ui/PersonName.js';
import { BackLink } from './BackLink.js';
import { BlockButton } from './BlockButton.js';
import type { ThreadPerson } from './thread-person.js';

/** Fetched only when this tab is in a call with the thread's person. */
const SendFileButton = lazy(() => import('../room/SendFileButton.js').then((m) => m.SendFileButton));

/**
 * The top of a thread: who it is with (named once: the heading), whether they
 * are online, Call and Block; Send file while this tab is in a call from this conversation
 * (peer to peer, in that call: file-transfer.ts). On a phone, where the list and the thread are
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
      <SendFileInCall username={who.username} />
      {who.state.value === 'found' && <BlockButton who={who} />}
    </div>
  );
}

/** "Send file" to `username`, while this tab is in the call from a conversation with them and they are in it. */
function SendFileInCall({ username }: { username: string }) {
  const call = dmCalls.value?.call.value;
  const session = roomSession.value;
  if (!session || call?.phase !== 'active' || call.with.username !== username || session.name !== call.room || !session.inCall.value) return null;
  const member = [...session.members.value.values()].find((m) => m.user.username === username && m.inCall);
  return member ? <SendFileButton session={session} to={member} where="thread" /> : null;
}
