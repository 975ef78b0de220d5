import { render } from 'preact';
import { DeviceCheck } from './DeviceCheck.js';
import { DeviceMenu } from './DeviceMenu.js';
import type { RoomSession } from './room-session.js';

/*
 * Mount the device check (before joining) and the devices menu (in the call) into the plain-TS
 * room screen, until its Preact rewrite places them itself. Each returns what unmounts it.
 */
export function mountDeviceCheck(el: HTMLElement, session: RoomSession): () => void {
  render(<WhenOutOfCall session={session} />, el);
  return () => render(null, el);
}

export function mountDeviceMenu(el: HTMLElement, session: RoomSession): () => void {
  render(<WhenInCall session={session} />, el);
  return () => render(null, el);
}

function WhenOutOfCall({ session }: { session: RoomSession }) {
  // Only in the room itself: not behind the password form, where the microphone has no business.
  return session.phase.value === 'joined' && !session.inCall.value ? <DeviceCheck /> : null;
}

function WhenInCall({ session }: { session: RoomSession }) {
  return session.inCall.value ? <DeviceMenu session={session} /> : null;
}
