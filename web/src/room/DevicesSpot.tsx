import { DeviceCheck } from './DeviceCheck.js';
import { DeviceMenu } from './DeviceMenu.js';
import type { RoomSession } from './room-session.js';
import './DevicesSpot.css';

/**
 * The one place the room screen puts device UI: the device check (microphone and speaker with a
 * level meter) in the pre-join card, and the Devices menu (the same choices mid-call) in the
 * control bar. Both keep their state in media-devices.ts.
 */
export function DevicesSpot({ session, where }: { session: RoomSession; where: 'prejoin' | 'bar' }) {
  return where === 'prejoin' ? <DeviceCheck /> : <DeviceMenu session={session} />;
}
