import { CallPersonButton } from '../calls/CallButton.js';
import { OUTAGE_TEXT } from '../lib/api.js';
import { dmPath } from '../lib/router.js';
import type { User } from '../lib/types.js';
import type { DmSession } from '../dm/dm-session.js';
import { Avatar } from '../ui/Avatar.js';
import { PersonName } from '../ui/PersonName.js';
import { PeopleSearch } from './PeopleSearch.js';

/** People on Home: the conversations from the DmSession (unread, presence, live) and a search to start a new one. */
export function PeopleCard({ me, session }: { me: User; session: DmSession }) {
  const conversations = session.conversations.value;
  const online = session.online.value;
  const unreachable = session.unreachable.value;
  return (
    <section class="card people-card" aria-labelledby="people-h">
      <h2 id="people-h">People</h2>
      {session.status.value === 'reconnecting' && <p class="hint reconnecting">Reconnecting…</p>}
      <ul class="people">
        {conversations.length === 0 && unreachable ? (
          // Not "No conversations yet" while Parley cannot be reached: we do not know.
          <li class="error outage">{OUTAGE_TEXT}</li>
        ) : conversations.length === 0 ? (
          <li class="empty">No conversations yet. Find someone below.</li>
        ) : (
          conversations.map((c) => {
            const isOnline = online.get(c.with.username) ?? c.with.online;
            return (
              <li key={c.with.username}>
                <a class="person-row" href={dmPath(c.with.username)} data-link>
                  <Avatar name={c.with.displayName} online={isOnline} />
                  <PersonName user={c.with} />
                  <span class="visually-hidden">{isOnline ? ', online' : ', offline'}</span>
                  {c.unread > 0 && <span class="visually-hidden">{`, ${c.unread} unread`}</span>}
                </a>
                {c.unread > 0 && (
                  <span class="badge" aria-hidden="true">
                    {c.unread}
                  </span>
                )}
                <CallPersonButton person={c.with} />
              </li>
            );
          })
        )}
      </ul>
      <PeopleSearch me={me} />
    </section>
  );
}
