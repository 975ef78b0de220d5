import { useSignal } from '@preact/signals';
import { Bell, BellOff, Link, Lock, SlidersHorizontal, Trash2 } from 'lucide-preact';
import { InviteButton } from '../invites/InviteButton.js';
import { announce } from '../lib/dom.js';
import { navigate, roomPath } from '../lib/router.js';
import { setSoundsOn, soundsOn } from '../lib/sound.js';
import type { User } from '../lib/types.js';
import { lazy } from '../ui/lazy.js';
import type { RoomSession } from './room-session.js';
import './RoomHeader.css';

// Only a room's owner ever opens it.
const RoomSettings = lazy(() => import('./RoomSettings.js').then((m) => m.RoomSettings));

/** The room's name (the screen's heading), its lock, and what can be done with the room itself. */
export function RoomHeader({ session, user }: { session: RoomSession; user: User }) {
  const room = session.room.value;
  const name = session.name;
  const copied = useSignal(false);
  const sounds = useSignal(soundsOn());
  const error = useSignal('');
  const settings = useSignal(false);
  // A call's private room (opened by its address, away from the call's own screen) has no link to share and nothing to set.
  const owner = room?.owner === user.username && !room.private;
  const shareable = !room?.private;

  async function copy() {
    const link = location.origin + roomPath(name);
    try {
      await navigator.clipboard.writeText(link);
      announce('Link copied.');
      copied.value = true;
      setTimeout(() => (copied.value = false), 2000);
    } catch {
      window.prompt('Copy this link:', link);
    }
  }

  async function remove() {
    if (!window.confirm(`Delete “${name}” for everyone? Its chat is deleted too.`)) return;
    try {
      await session.deleteRoom();
      navigate('/');
    } catch (err) {
      error.value = err instanceof Error ? err.message : 'Could not delete the room.';
    }
  }

  function toggleSounds() {
    sounds.value = !sounds.value;
    setSoundsOn(sounds.value);
    announce(sounds.value ? 'Join and leave sounds on.' : 'Join and leave sounds off.');
  }

  return (
    <div class="room-header">
      <h1>
        {name}
        {room?.locked ? (
          <span class="room-lock" title="Needs a password">
            <Lock aria-hidden="true" size={18} />
            <span class="visually-hidden"> (locked)</span>
          </span>
        ) : null}
      </h1>
      <div class="room-actions">
        <button type="button" class="quiet" title="Play a sound when people join or leave the call" aria-pressed={sounds.value} onClick={toggleSounds}>
          {sounds.value ? <Bell aria-hidden="true" size={18} /> : <BellOff aria-hidden="true" size={18} />}
          <span class="room-action-label">Sounds</span>
        </button>
        {shareable ? (
          <button type="button" class="quiet" title="Copy the room’s link" onClick={() => void copy()}>
            <Link aria-hidden="true" size={18} />
            <span class="room-action-label">{copied.value ? 'Link copied' : 'Copy link'}</span>
          </button>
        ) : null}
        {shareable ? <InviteButton session={session} user={user} /> : null}
        {owner ? (
          <button type="button" class="quiet" title="Change the room’s password and capacity" aria-haspopup="dialog" onClick={() => (settings.value = true)}>
            <SlidersHorizontal aria-hidden="true" size={18} />
            <span class="room-action-label">Room settings</span>
          </button>
        ) : null}
        {owner ? (
          <button type="button" class="quiet danger-text" title="Delete the room for everyone" onClick={() => void remove()}>
            <Trash2 aria-hidden="true" size={18} />
            <span class="room-action-label">Delete room</span>
          </button>
        ) : null}
      </div>
      <p class="error room-header-error" role="alert">
        {error.value}
      </p>
      {owner && room && settings.value ? <RoomSettings session={session} room={room} onClose={() => (settings.value = false)} /> : null}
    </div>
  );
}
