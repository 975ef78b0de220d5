import './MessageComposer.css';
import { useSignal } from '@preact/signals';
import { SendHorizontal } from 'lucide-preact';
import { useId } from 'preact/hooks';
import type { ThreadModel } from './thread-model.js';

/** Write and send: Enter sends, Shift+Enter makes a new line. */
export function MessageComposer({ model, placeholder }: { model: ThreadModel; placeholder: string }) {
  const id = useId();
  const text = useSignal('');
  const error = useSignal('');

  function send(e: Event) {
    e.preventDefault();
    error.value = '';
    if (!model.send(text.value)) {
      error.value = 'Write something first.';
      return;
    }
    text.value = '';
  }

  return (
    <>
      <form class="composer" onSubmit={send}>
        <label for={`${id}-m`} class="visually-hidden">
          Message
        </label>
        <textarea
          id={`${id}-m`}
          name="message"
          rows={1}
          maxLength={4000}
          placeholder={placeholder}
          value={text.value}
          onInput={(e) => {
            text.value = e.currentTarget.value;
            model.typed(text.value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
          }}
        />
        <button type="submit" class="primary send">
          <SendHorizontal size={20} aria-hidden="true" />
          <span class="send-label">Send</span>
        </button>
      </form>
      <p class="error" role="alert">
        {error.value}
      </p>
    </>
  );
}
