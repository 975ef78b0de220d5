import { useEffect } from 'preact/hooks';
import { OUTAGE_TEXT } from '../lib/api.js';
import type { User } from '../lib/types.js';
import { MessageComposer } from './MessageComposer.js';
import { MessageList } from './MessageList.js';
import type { ThreadModel } from './thread-model.js';
import type { ThreadPerson } from './thread-person.js';

/** One conversation's messages, who is typing, and the composer; or why there is none. */
export function ThreadPane({ model, who, me }: { model: ThreadModel; who: ThreadPerson; me: User }) {
  const state = who.state.value;
  useEffect(() => {
    if (state !== 'found') return;
    model.load().catch((err) => (model.loadError.value = err instanceof Error ? err.message : 'Could not load the conversation.'));
  }, [state === 'found']);

  if (state === 'pending') return <p class="hint thread-placeholder">Loading…</p>;
  if (state === 'missing') {
    return (
      <p class="error" role="alert">
        There is no user called “{who.username}”.
      </p>
    );
  }
  if (state === 'unreachable') {
    return (
      <div class="thread-placeholder">
        <p class="error" role="alert">
          {OUTAGE_TEXT}
        </p>
        <button type="button" onClick={() => void who.find()}>
          Try again
        </button>
      </div>
    );
  }
  const name = who.person.value?.displayName ?? who.username;
  return (
    <>
      <button type="button" class="load-older" hidden={!model.hasMore.value} onClick={() => model.loadOlder()}>
        Load older
      </button>
      <MessageList model={model} me={me} />
      <p class="error" role="alert">
        {model.loadError.value}
      </p>
      <p class="typing" aria-live="polite">
        {model.typing.value ? `${name} is typing…` : ''}
      </p>
      <MessageComposer model={model} placeholder={`Message ${name}`} />
    </>
  );
}
