import { useSignal } from '@preact/signals';
import { Settings2 } from 'lucide-preact';
import { useEffect, useRef } from 'preact/hooks';
import type { RoomSession } from './room-session.js';
import './DevicesSpot.css';

/**
 * THE ONE PLACE FOR DEVICE UI on the room screen. For now: nothing before joining (the browser
 * asks for the default microphone), and in the control bar a "Devices" button that opens the
 * microphone choice. The device check (DeviceCheck: microphone and speaker with a level meter)
 * and the mid-call menu (DeviceMenu) replace this file's insides when they land; the room screen
 * only places <DevicesSpot where="prejoin" | "bar">.
 */
export function DevicesSpot({ session, where }: { session: RoomSession; where: 'prejoin' | 'bar' }) {
  if (where === 'prejoin') return null;
  return <DevicesButton session={session} />;
}

function DevicesButton({ session }: { session: RoomSession }) {
  const open = useSignal(false);
  const mics = useSignal<MediaDeviceInfo[]>([]);
  const root = useRef<HTMLDivElement>(null);
  const select = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    if (!open.value) return;
    let live = true;
    void navigator.mediaDevices.enumerateDevices().then((all) => {
      if (live) mics.value = all.filter((d) => d.kind === 'audioinput');
      select.current?.focus();
    });
    // Escape or a click elsewhere closes it, as menus do.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      open.value = false;
      root.current?.querySelector<HTMLButtonElement>('button')?.focus();
    };
    const onDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) open.value = false;
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown);
    return () => {
      live = false;
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onDown);
    };
  }, [open.value]);

  const current = session.microphoneId();
  return (
    <div class="devices-spot" ref={root}>
      <button type="button" class="control" title="Devices" aria-expanded={open.value} aria-controls="devices-pop" onClick={() => (open.value = !open.value)}>
        <Settings2 aria-hidden="true" size={22} />
        <span class="control-label">Devices</span>
      </button>
      {open.value ? (
        <div class="devices-pop" id="devices-pop" role="group" aria-label="Devices">
          <label for="devices-mic">Microphone</label>
          <select id="devices-mic" name="microphone" ref={select} onChange={(e) => void session.switchMicrophone((e.target as HTMLSelectElement).value)}>
            {mics.value.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId} selected={d.deviceId === current}>
                {d.label || `Microphone ${i + 1}`}
              </option>
            ))}
          </select>
        </div>
      ) : null}
    </div>
  );
}
