import { useEffect, useRef } from 'preact/hooks';
import type { RoomSession } from './room-session.js';
import './RoomPassword.css';

/** A locked room asks for its password (after saying whether it is full: see RoomSession.enter). */
export function RoomPassword({ session, problem }: { session: RoomSession; problem?: string }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), [problem]);
  return (
    <form
      class="card narrow room-password"
      aria-labelledby="room-password-intro"
      onSubmit={(e) => {
        e.preventDefault();
        void session.enter(input.current!.value);
      }}
    >
      <p id="room-password-intro">“{session.name}” needs a password.</p>
      <div class="field">
        <label for="room-password">Room password</label>
        <input
          id="room-password"
          ref={input}
          type="password"
          name="room-password"
          required
          autocomplete="current-password"
          aria-invalid={problem ? 'true' : undefined}
          aria-describedby={problem ? 'room-password-error' : undefined}
        />
      </div>
      {problem ? (
        <p id="room-password-error" class="error" role="alert">
          {problem}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary">
          Join room
        </button>
        <a href="/" data-link>
          Cancel
        </a>
      </div>
    </form>
  );
}
