import { render } from 'preact';
import { h, type Screen } from '../lib/dom.js';
import type { User } from '../lib/types.js';
import { openRoomSession, releaseRoomSession } from './current-session.js';
import { RoomScreen } from './RoomScreen.js';

/**
 * The room screen in the shell. The session belongs to the shell, so when this screen goes away
 * during a call the call goes on; coming back shows it. Without a call the room is left.
 */
export function renderRoom(name: string, user: User): Screen {
  const session = openRoomSession(name, user);
  const el = h('div', { class: 'mount room-mount' });
  render(<RoomScreen session={session} user={user} />, el);
  return {
    el,
    title: name,
    dispose() {
      render(null, el);
      releaseRoomSession(session);
    },
  };
}
