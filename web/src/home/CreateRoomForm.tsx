import { useSignal } from '@preact/signals';
import { Plus, LogIn } from 'lucide-preact';
import { useId } from 'preact/hooks';
import { ApiError, post } from '../lib/api.js';
import { navigate, roomPath } from '../lib/router.js';
import { normaliseRoomName, ROOM_NAME_HINT, roomNamePreview } from './room-names.js';

/**
 * Start a room or join one by name. The field says, as you type, the name
 * the room will get or what the server would refuse in it; the options (a
 * password, the capacity) stay folded away until wanted.
 */
export function CreateRoomForm({ openRoom, showError }: { openRoom: (room: string) => void; showError: (text: string) => void }) {
  const id = useId();
  const name = useSignal('');
  const preview = roomNamePreview(name.value);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    showError('');
    const form = event.currentTarget as HTMLFormElement;
    const room = normaliseRoomName(name.value);
    if ((event.submitter as HTMLButtonElement | null)?.value === 'join') {
      if (!room) return showError('Enter the name of the room to join.');
      return openRoom(room);
    }
    const password = (form.elements.namedItem('room-password') as HTMLInputElement).value;
    const capacity = Number((form.elements.namedItem('capacity') as HTMLInputElement).value) || 8;
    try {
      await post('/api/rooms', { name: room, password: password || undefined, capacity });
      navigate(roomPath(room));
    } catch (err) {
      showError(
        err instanceof ApiError && err.code === 'room_exists'
          ? `A room called “${room}” already exists. Join it, or pick another name.`
          : err instanceof ApiError && err.code === 'invalid_room_name'
            ? `${preview.text || 'Enter a name.'} Use a–z, 0–9, - and _.`
            : err instanceof Error
              ? err.message
              : 'Could not create the room.',
      );
    }
  }

  return (
    <form class="create-room" aria-labelledby={`${id}-h`} onSubmit={(e) => void submit(e)}>
      <h2 id={`${id}-h`}>Start or join a room</h2>
      <div class="field">
        <label for={`${id}-name`}>Room name</label>
        <input
          id={`${id}-name`}
          name="room"
          required
          maxLength={64}
          autocapitalize="none"
          spellcheck={false}
          autocomplete="off"
          placeholder="friday-standup"
          aria-describedby={`${id}-hint ${id}-preview`}
          value={name.value}
          onInput={(e) => (name.value = e.currentTarget.value)}
        />
        <small id={`${id}-hint`} class="hint">
          {ROOM_NAME_HINT}
        </small>
        <p id={`${id}-preview`} class={`hint room-preview ${preview.ok ? '' : 'error'}`} aria-live="polite">
          {preview.text}
        </p>
      </div>
      <details>
        <summary>Room options</summary>
        <div class="field">
          <label for={`${id}-password`}>Room password (optional)</label>
          <input
            id={`${id}-password`}
            name="room-password"
            type="password"
            autocomplete="new-password"
            maxLength={256}
            aria-describedby={`${id}-password-hint`}
          />
          <small id={`${id}-password-hint`} class="hint">
            People joining will need it; you will not.
          </small>
        </div>
        <div class="field">
          <label for={`${id}-capacity`}>Capacity</label>
          <input id={`${id}-capacity`} name="capacity" type="number" min={2} max={16} value="8" inputMode="numeric" aria-describedby={`${id}-capacity-hint`} />
          <small id={`${id}-capacity-hint`} class="hint">
            2 to 16 people.
          </small>
        </div>
      </details>
      <div class="actions">
        <button type="submit" value="create" class="primary">
          <Plus size={18} aria-hidden="true" />
          Create room
        </button>
        <button type="submit" value="join">
          <LogIn size={18} aria-hidden="true" />
          Join room
        </button>
      </div>
    </form>
  );
}
