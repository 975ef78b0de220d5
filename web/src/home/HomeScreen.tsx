import { useSignal } from '@preact/signals';
import { navigate, roomPath } from '../lib/router.js';
import type { User } from '../lib/types.js';
import type { DmSession } from '../dm/dm-session.js';
import { CreateRoomForm } from './CreateRoomForm.js';
import { LastRoom } from './LastRoom.js';
import { PeopleCard } from './PeopleCard.js';
import { RoomList } from './RoomList.js';
import { whyNotOpen } from './open-room.js';
import './HomeScreen.css';

/** Home: start or join a room, the rooms with who is in them, and people to write to. */
export function HomeScreen({ user, session }: { user: User; session: DmSession }) {
  // One error line for opening rooms, from the form, the last room or the list.
  const error = useSignal({ text: '', n: 0 });
  const showError = (text: string) => (error.value = { text, n: error.value.n + 1 });

  async function openRoom(room: string) {
    showError('');
    const why = await whyNotOpen(room);
    if (why) showError(why);
    else navigate(roomPath(room));
  }

  return (
    <section class="screen home">
      <h1>Hello, {user.displayName}</h1>
      <div class="home-columns">
        <div class="home-rooms">
          <div class="card">
            <CreateRoomForm openRoom={(r) => void openRoom(r)} showError={showError} />
            {/* A new element for each message, so that the same message said twice is announced twice. */}
            <p key={error.value.n} class="error" role="alert">
              {error.value.text}
            </p>
            <LastRoom openRoom={(r) => void openRoom(r)} />
          </div>
          <RoomList openRoom={(r) => void openRoom(r)} />
        </div>
        <PeopleCard me={user} session={session} />
      </div>
    </section>
  );
}
