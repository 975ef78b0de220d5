import { Lock, Users, Volume2 } from 'lucide-preact';
import { useEffect, useMemo } from 'preact/hooks';
import { OUTAGE_TEXT } from '../lib/api.js';
import { roomPath } from '../lib/router.js';
import { RoomsFeed } from './rooms-feed.js';

/** A plain left click opens through `openRoom` (which checks the room first); other clicks keep the link's own behaviour. */
export function openOnClick(room: string, openRoom: (room: string) => void) {
  return (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    openRoom(room);
  };
}

/** The rooms with who is in them, kept up to date by the lobby stream while shown. */
export function RoomList({ openRoom }: { openRoom: (room: string) => void }) {
  const feed = useMemo(() => new RoomsFeed(), []);
  useEffect(() => {
    feed.start();
    return () => feed.stop();
  }, [feed]);
  const rooms = feed.rooms.value;
  const failing = feed.failing.value;

  return (
    <section class="card room-list" aria-labelledby="rooms-h">
      <h2 id="rooms-h">Rooms</h2>
      <ul class="rooms" aria-live="polite" aria-busy={rooms === undefined && !failing}>
        {failing ? (
          // An empty list would say "no rooms"; the truth is that we do not know.
          <li class="error outage">{OUTAGE_TEXT}</li>
        ) : rooms?.length === 0 ? (
          <li class="empty">No rooms yet. Create the first one.</li>
        ) : (
          rooms?.map((r) => {
            const full = r.members >= r.capacity;
            return (
              <li key={r.name} class="room-row">
                <span class={`room-icon ${r.members > 0 ? 'live' : ''}`} aria-hidden="true">
                  <Volume2 size={20} />
                </span>
                <span class="room-main">
                  <a href={roomPath(r.name)} data-link onClick={openOnClick(r.name, openRoom)}>
                    {r.name}
                  </a>
                  <span class="owner">by @{r.owner}</span>
                </span>
                {r.locked && (
                  <span class="lock" title="Needs a password">
                    <Lock size={16} aria-hidden="true" />
                    <span class="visually-hidden">(locked)</span>
                  </span>
                )}
                <span class={`count ${full ? 'full' : ''}`}>
                  <Users size={16} aria-hidden="true" />
                  {full ? `Full: ${r.members} of ${r.capacity}` : `${r.members} of ${r.capacity} here`}
                </span>
              </li>
            );
          })
        )}
      </ul>
    </section>
  );
}
