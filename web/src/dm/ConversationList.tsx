import { previewText } from '../calls/call-words.js';
import { inviteSummary } from '../invites/invite-words.js';
import { OUTAGE_TEXT } from '../lib/api.js';
import { dmPath } from '../lib/router.js';
import { Avatar } from '../ui/Avatar.js';
import { PersonName } from '../ui/PersonName.js';
import type { DmSession } from './dm-session.js';
import './ConversationList.css';

/** The conversations, newest first, each with presence, unread count and the last message. */
export function ConversationList({ session, current }: { session: DmSession; current?: string }) {
  const list = session.conversations.value;
  const online = session.online.value;
  if (list.length === 0) {
    return (
      <ul class="conversations" aria-label="Conversations">
        {/* Not "No conversations yet" while Parley cannot be reached: we do not know. */}
        {session.unreachable.value ? <li class="error outage">{OUTAGE_TEXT}</li> : <li class="empty">No conversations yet.</li>}
      </ul>
    );
  }
  return (
    <ul class="conversations" aria-label="Conversations">
      {list.map((c) => {
        const here = c.with.username === current;
        const isOnline = online.get(c.with.username) ?? c.with.online;
        return (
          <li key={c.with.username} class={`${here ? 'current' : ''} ${c.unread > 0 ? 'unread' : ''}`}>
            <a class="conversation" href={dmPath(c.with.username)} data-link aria-current={here ? 'page' : undefined}>
              <Avatar name={c.with.displayName} online={isOnline} />
              <span class="conversation-text">
                <span class="conversation-name">
                  <PersonName user={c.with} />
                  <span class="visually-hidden">{isOnline ? ', online' : ', offline'}</span>
                  {c.unread > 0 && <span class="visually-hidden">{`, ${c.unread} unread`}</span>}
                </span>
                <span class="preview" dir="auto">
                  {c.lastMessage.from === c.with.username || c.lastMessage.kind === 'call' ? '' : 'You: '}
                  {(inviteSummary(c.lastMessage) ?? previewText(c.lastMessage, session.me.username)).slice(0, 80)}
                </span>
              </span>
              {c.unread > 0 && (
                <span class="badge" aria-hidden="true">
                  {c.unread}
                </span>
              )}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
