import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { ApiError, get } from '../lib/api.js';
import { LAST_ROOM_KEY } from '../lib/last-room.js';
import { roomPath } from '../lib/router.js';
import type { Room } from '../lib/types.js';
import { openOnClick } from './RoomList.js';

/** "Last time you were in …": offered only once the room is known to still exist; a deleted one is forgotten. */
export function LastRoom({ openRoom }: { openRoom: (room: string) => void }) {
  const room = useSignal<string | undefined>(undefined);
  useEffect(() => {
    const last = localStorage.getItem(LAST_ROOM_KEY);
    if (!last) return;
    let gone = false;
    get<{ room: Room }>(`/api/rooms/${encodeURIComponent(last)}`)
      .then(() => {
        if (!gone) room.value = last;
      })
      .catch((err) => {
        if (err instanceof ApiError && (err.status === 404 || err.status === 400)) localStorage.removeItem(LAST_ROOM_KEY);
      });
    return () => {
      gone = true;
    };
  }, []);
  if (!room.value) return null;
  return (
    <p class="last-room">
      Last time you were in{' '}
      <a href={roomPath(room.value)} data-link onClick={openOnClick(room.value, openRoom)}>
        {room.value}
      </a>
      .
    </p>
  );
}
