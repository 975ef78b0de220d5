import { useSignal } from '@preact/signals';
import { ShieldCheck } from 'lucide-preact';
import type { Member } from '../lib/types.js';
import { CallCodeDialog } from './CallCodeDialog.js';
import type { RoomSession } from './room-session.js';

/**
 * "Verify call with Ann": opens the code of this tab's connection to `member`, which the two
 * people read to each other (docs/security.md). A round button in the control bar of a
 * two-person call (`bar`), a small one on each other person's tile (`tile`).
 */
export function VerifyCall({ session, member, where }: { session: RoomSession; member: Member; where: 'bar' | 'tile' }) {
  const open = useSignal(false);
  const name = member.user.displayName;
  return (
    <>
      <button
        type="button"
        class={where === 'bar' ? 'control verify' : 'tile-verify'}
        aria-haspopup="dialog"
        title={`Verify your call with ${name}`}
        onClick={() => (open.value = true)}
      >
        <ShieldCheck aria-hidden="true" size={where === 'bar' ? 22 : 18} />
        <span class={where === 'bar' ? 'control-label' : 'visually-hidden'}>{`Verify call with ${name}`}</span>
      </button>
      {open.value ? <CallCodeDialog session={session} member={member} onClose={() => (open.value = false)} /> : null}
    </>
  );
}
