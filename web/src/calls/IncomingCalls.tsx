import { Phone, PhoneOff } from 'lucide-preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { dmCalls } from '../app/app-state.js';
import { roomSession } from '../room/current-session.js';
import { Avatar } from '../ui/Avatar.js';
import { PersonName } from '../ui/PersonName.js';
import type { DmCalls, Ringing } from './dm-calls.js';
import './IncomingCalls.css';

/**
 * The calls ringing on this tab, over whatever screen is shown: who calls (display name and
 * @username), Accept and Decline. Each takes focus when it appears (not its Accept button, so a
 * key pressed while typing cannot answer) and gives it back when it goes.
 */
export function IncomingCalls({ onRing }: { onRing(): void }) {
  const calls = dmCalls.value;
  const list = calls?.ringing.value ?? [];
  if (!calls || list.length === 0) return null;
  return (
    <div class="incoming-calls">
      {list.map((r) => (
        <IncomingCall key={r.id} ring={r} calls={calls} onRing={onRing} />
      ))}
    </div>
  );
}

function IncomingCall({ ring, calls, onRing }: { ring: Ringing; calls: DmCalls; onRing(): void }) {
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    onRing();
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    box.current?.focus();
    return () => {
      const now = document.activeElement;
      if ((!now || now === document.body) && before?.isConnected) before.focus();
    };
  }, []);
  const inCall = calls.busy || !!roomSession.value?.holdsCall;
  return (
    <div class="incoming-call" role="alertdialog" aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`} tabIndex={-1} ref={box}>
      <Avatar name={ring.from.displayName} />
      <div class="incoming-text">
        <p class="incoming-title" id={`${id}-t`}>
          Incoming call
        </p>
        <p id={`${id}-d`}>
          <PersonName user={ring.from} />
          <span class="visually-hidden"> is calling you.</span>
          {inCall && ring.state === 'ringing' ? <span class="incoming-note"> Accepting ends your current call.</span> : null}
        </p>
        <p class="incoming-state" role="status">
          {ring.state === 'elsewhere'
            ? 'Answered on another tab'
            : ring.state === 'gone'
              ? 'The call has ended.'
              : ring.state === 'accepting'
                ? 'Connecting…'
                : ''}
        </p>
      </div>
      {ring.state === 'ringing' ? (
        <div class="incoming-actions">
          <button type="button" class="accept" onClick={() => void calls.accept(ring.id)}>
            <Phone size={18} aria-hidden="true" />
            Accept
          </button>
          <button type="button" class="danger" onClick={() => calls.decline(ring.id)}>
            <PhoneOff size={18} aria-hidden="true" />
            Decline
          </button>
        </div>
      ) : null}
    </div>
  );
}
