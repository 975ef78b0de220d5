import { MessagesSquare } from 'lucide-preact';
import { useEffect, useLayoutEffect, useMemo } from 'preact/hooks';
import { screenTitle } from '../app/app-state.js';
import { announce } from '../lib/dom.js';
import { personText } from '../lib/person.js';
import type { User } from '../lib/types.js';
import { BackLink } from './BackLink.js';
import { ConversationList } from './ConversationList.js';
import { DmAlertSettings } from './DmAlertSettings.js';
import type { DmSession } from './dm-session.js';
import { SELF_TEXT, StartConversation } from './StartConversation.js';
import { ThreadHeader } from './ThreadHeader.js';
import { ThreadModel } from './thread-model.js';
import { ThreadPane } from './ThreadPane.js';
import { ThreadPerson } from './thread-person.js';
import './DmScreen.css';

/**
 * Direct messages at /dm and /dm/<username>: the conversations beside one
 * thread. At phone width the list and a thread are separate views (the
 * section's class says which one this is). The conversations, unread counts
 * and presence come from the DmSession; a thread's state from its ThreadModel.
 */
export function DmScreen({ other, me, session }: { other?: string; me: User; session: DmSession }) {
  const self = other === me.username;
  const thread = useMemo(
    () =>
      other && !self
        ? { who: new ThreadPerson(other, session), model: new ThreadModel(other, me, session, () => announce('A message was not sent.')) }
        : undefined,
    [other],
  );
  useEffect(() => {
    if (!thread) return;
    const onVisible = () => thread.model.markRead();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      thread.model.dispose();
      thread.who.dispose();
    };
  }, [thread]);
  useEffect(() => void session.reload(), []);

  const person = thread?.who.person.value;
  const title = !thread ? 'Messages' : `Messages with ${person ? personText(person) : `@${other}`}`;
  useLayoutEffect(() => {
    screenTitle.value = title;
  }, [title]);

  return (
    <section class={`screen dm ${other ? 'dm-thread-view' : 'dm-list-view'}`}>
      {/* Says when the page has lost its connection and is getting it back; empty otherwise. */}
      <p class="status reconnecting" role="status">
        {session.status.value === 'reconnecting' ? 'Reconnecting…' : ''}
      </p>
      <div class="dm-layout">
        <div class="dm-head">
          {thread ? (
            <ThreadHeader who={thread.who} />
          ) : (
            <div class="thread-head">
              {other && <BackLink />}
              <h1>Messages</h1>
            </div>
          )}
        </div>
        <section class="card conv-card" aria-labelledby="conv-h">
          <h2 id="conv-h">Conversations</h2>
          <ConversationList session={session} current={other} />
          <StartConversation me={me} />
          <DmAlertSettings />
        </section>
        <div class="card thread-card">
          {thread ? (
            <ThreadPane model={thread.model} who={thread.who} me={me} />
          ) : self ? (
            <p class="error" role="alert">
              {SELF_TEXT}
            </p>
          ) : (
            <div class="thread-placeholder">
              <MessagesSquare size={40} aria-hidden="true" />
              <p>Choose a conversation, or write to someone by username.</p>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
