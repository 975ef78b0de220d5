import { useSignal } from '@preact/signals';
import { UserPlus } from 'lucide-preact';
import type { FunctionComponent } from 'preact';
import { announce } from '../lib/dom.js';
import type { User } from '../lib/types.js';
import type { RoomSession } from '../room/room-session.js';
import type { InviteDialogProps } from './InviteDialog.js';

type Dialog = FunctionComponent<InviteDialogProps>;
// The dialog's code (search, list, errors) is fetched the first time someone opens it.
let dialog: Promise<Dialog> | undefined;
const loadDialog = () =>
  (dialog ??= import('./InviteDialog.js').then(
    (m) => m.InviteDialog,
    (err: unknown) => {
      dialog = undefined;
      throw err;
    },
  ));

/**
 * "Invite" in a room's header: opens a dialog to find someone and send them an invite. A call's
 * two-person room takes no invites, so it has no button.
 */
export function InviteButton({ session, user }: { session: RoomSession; user: User }) {
  const Open = useSignal<Dialog | undefined>(undefined);
  // `private` is the API's mark of a call's room (docs/api.md, Rooms).
  const room = session.room.value;
  if (!room || room.private) return null;

  async function open() {
    try {
      const component = await loadDialog();
      Open.value = component;
    } catch {
      announce('Invite could not be opened. Check your connection and try again.');
    }
  }

  const Shown = Open.value;
  return (
    <>
      <button type="button" class="quiet" title="Invite someone to this room" aria-haspopup="dialog" onClick={() => void open()}>
        <UserPlus aria-hidden="true" size={18} />
        <span class="room-action-label">Invite</span>
      </button>
      {Shown ? <Shown session={session} user={user} onClose={() => (Open.value = undefined)} /> : null}
    </>
  );
}
