import { useEffect, useRef } from 'preact/hooks';
import type { Member } from '../lib/types.js';
import { CODE_SYMBOLS } from './code-symbols.js';
import type { RoomSession } from './room-session.js';
import './call-code-dialog.css';

/**
 * The code of this tab's connection to `member`, in a modal dialog, with what to do with it. It
 * follows the connection: a new one (after a reload, or one set up afresh) shows its own code.
 * Shown whatever the connection's state: a code made from descriptions someone rewrote on the way
 * differs from the other side's before the connection has had the chance to fail.
 */
export function CallCodeDialog({ session, member, onClose }: { session: RoomSession; member: Member; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  const name = member.user.displayName;
  const code = session.callCodes.value.get(member.peerId);
  const connected = session.peerStates.value.get(member.peerId) === 'connected';
  const id = `call-code-${member.peerId}`;
  return (
    <dialog ref={dialog} class="card call-code-dialog" aria-labelledby={`${id}-h`} onClose={onClose}>
      <h2 id={`${id}-h`}>
        Verify your call with <bdi>{name}</bdi>
      </h2>
      {code ? (
        <>
          <ol class="call-code" aria-label="Code">
            {code.map((n, i) => {
              const symbol = CODE_SYMBOLS[n]!;
              return (
                // Keyed by place: the same symbol may come twice in a code.
                <li key={i}>
                  <span class="call-code-emoji" aria-hidden="true">
                    {symbol.emoji}
                  </span>
                  <span class="call-code-word">{symbol.word}</span>
                </li>
              );
            })}
          </ol>
          <p>
            Read these words to <bdi>{name}</bdi>, and listen to theirs. The same words in the same order: your voices go straight between your two browsers,
            encrypted, and no server on the way can listen.
          </p>
          <p>
            <strong>Different words: someone is in the middle of the call.</strong> Hang up, and tell <bdi>{name}</bdi> another way.
          </p>
          {connected ? null : (
            <p class="hint">
              You are not connected to <bdi>{name}</bdi> yet: this code is made from what your browsers have sent each other so far.
            </p>
          )}
        </>
      ) : (
        <p role="status">
          The connection to <bdi>{name}</bdi> is still being set up; its code will show here.
        </p>
      )}
      <p class="hint">The code vouches for the connection, not for the person: you still know who it is by their voice.</p>
      <form method="dialog" class="actions">
        <button type="submit" class="primary">
          Done
        </button>
      </form>
    </dialog>
  );
}
