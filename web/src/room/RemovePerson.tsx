import { UserX } from 'lucide-preact';
import { announce } from '../lib/dom.js';
import { personText } from '../lib/person.js';
import type { User } from '../lib/types.js';
import type { RoomSession } from './room-session.js';

/** The owner's "Remove from the room" on a person's row in People: all their tabs go, for 10 minutes. */
export function RemovePerson({ session, user, peerId }: { session: RoomSession; user: User; peerId: string }) {
  const who = personText(user);
  async function remove() {
    if (!window.confirm(`Remove ${who} from the room? They cannot come back for 10 minutes.`)) return;
    try {
      await session.removePerson(peerId);
      announce(`${who} was removed from the room.`);
    } catch (err) {
      announce(`Could not remove ${who}: ${err instanceof Error ? err.message : 'something went wrong'}`);
    }
  }
  return (
    <button type="button" class="quiet person-remove" aria-label={`Remove ${who} from the room`} title="Remove from the room" onClick={() => void remove()}>
      <UserX aria-hidden="true" size={18} />
    </button>
  );
}
