import { useEffect, useMemo } from 'preact/hooks';
import type { User } from '../lib/types.js';
import { openRoomSession, releaseRoomSession } from './current-session.js';
import { RoomScreen } from './RoomScreen.js';

/**
 * The room route in the shell: opens (or finds) the tab's RoomSession for this room and shows it.
 * The session belongs to the shell, so when this route goes away during a call the call goes on;
 * coming back shows it. Without a call the room is left. The shell keys it by room name.
 */
export function RoomRoute({ name, user }: { name: string; user: User }) {
  const session = useMemo(() => openRoomSession(name, user), [name]);
  useEffect(() => () => releaseRoomSession(session), [session]);
  return (
    <div class="mount room-mount">
      <RoomScreen session={session} user={user} />
    </div>
  );
}
