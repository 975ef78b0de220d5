import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { announce } from '../lib/dom.js';
import type { Room } from '../lib/types.js';
import type { RoomSession } from './room-session.js';
import './RoomSettings.css';

type Errors = { password?: string; capacity?: string; form?: string };

/** The owner's room settings, in a modal dialog: set, change or remove the password, and the capacity. */
export function RoomSettings({ session, room, onClose }: { session: RoomSession; room: Room; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const errors = useSignal<Errors>({});
  const busy = useSignal(false);
  const unlock = useSignal(false);
  useEffect(() => dialog.current?.showModal(), []);

  async function save(form: HTMLFormElement) {
    const data = new FormData(form);
    const password = String(data.get('password') ?? '');
    const capacity = Number(data.get('capacity'));
    const changes: { password?: string | null; capacity?: number } = {};
    if (data.get('unlock')) changes.password = null;
    else if (password) changes.password = password;
    if (!Number.isInteger(capacity) || capacity < 2 || capacity > 16) {
      errors.value = { capacity: 'Choose a whole number from 2 to 16.' };
      return;
    }
    if (capacity !== room.capacity) changes.capacity = capacity;
    busy.value = true;
    try {
      await session.updateRoom(changes);
      announce('Room settings saved.');
      dialog.current?.close();
    } catch (err) {
      const message = err instanceof Error ? err.message : 'Could not save.';
      // The server names the field it refused (`capacity: …`), so the words go beside it.
      const field = err instanceof ApiError && /^(password|capacity): /.exec(message)?.[1];
      errors.value = field ? { [field]: message.slice(field.length + 2) } : { form: message };
    } finally {
      busy.value = false;
    }
  }

  const e = errors.value;
  return (
    <dialog ref={dialog} class="card room-settings" aria-labelledby="room-settings-h" onClose={onClose}>
      <form
        method="dialog"
        noValidate
        onSubmit={(ev) => {
          ev.preventDefault();
          void save(ev.currentTarget);
        }}
      >
        <h2 id="room-settings-h">Room settings</h2>
        <div class="field">
          <label for="room-settings-password">{room.locked ? 'New password' : 'Password'}</label>
          <input
            id="room-settings-password"
            type="password"
            name="password"
            autocomplete="new-password"
            maxLength={256}
            disabled={unlock.value}
            aria-invalid={e.password ? 'true' : undefined}
            aria-describedby="room-settings-password-note"
          />
          <small id="room-settings-password-note" class={e.password ? 'field-error' : 'hint'}>
            {e.password ??
              (unlock.value
                ? 'The room will have no password.'
                : room.locked
                  ? 'Leave empty to keep the current password.'
                  : 'Leave empty to keep the room open to everyone.')}
          </small>
        </div>
        {room.locked ? (
          <label class="room-settings-check">
            <input type="checkbox" name="unlock" onChange={(ev) => (unlock.value = ev.currentTarget.checked)} /> Remove the password (anyone can join)
          </label>
        ) : null}
        <div class="field">
          <label for="room-settings-capacity">Capacity</label>
          <input
            id="room-settings-capacity"
            type="number"
            name="capacity"
            min={2}
            max={16}
            step={1}
            required
            defaultValue={String(room.capacity)}
            aria-invalid={e.capacity ? 'true' : undefined}
            aria-describedby="room-settings-capacity-note"
          />
          <small id="room-settings-capacity-note" class={e.capacity ? 'field-error' : 'hint'}>
            {e.capacity ?? '2–16 people. Lowering it removes no one; new people wait until there is room.'}
          </small>
        </div>
        <p class="error" role="alert">
          {e.form}
        </p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy.value}>
            Save
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
