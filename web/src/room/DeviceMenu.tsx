import { useSignal } from '@preact/signals';
import { Settings2, X } from 'lucide-preact';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';
import { DeviceFields } from './DeviceFields.js';
import { mediaDevices } from './media-devices.js';
import type { RoomSession } from './room-session.js';
import { useLevel } from './use-level.js';
import './device-menu.css';

/**
 * Mid-call: "Devices" opens a small non-modal dialog with the microphone and speaker selects.
 * A new microphone takes over the call at once (its track replaces the old one on every
 * connection, the mute kept); a new speaker plays every remote voice; a changed noise setting
 * opens the microphone again the same way. Escape, "Close" or a click
 * outside closes it; Escape and "Close" give focus back to the button.
 */
export function DeviceMenu({ session }: { session: RoomSession }) {
  const open = useSignal(false);
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const level = useLevel(open.value ? session.localStream.value : null);

  function close(refocus: boolean) {
    open.value = false;
    if (refocus) button.current?.focus();
  }

  // A layout effect: Escape and outside clicks work from the moment the panel is on the page, not a frame later.
  useLayoutEffect(() => {
    if (!open.value) return;
    mediaDevices.start();
    void mediaDevices.refresh();
    // Into the panel, at its first choice (the close button only while there is none yet).
    const panel = box.current?.querySelector('.device-menu-panel');
    (panel?.querySelector('select') ?? panel?.querySelector('button'))?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close(true);
      }
    };
    const onPointer = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open.value]);

  return (
    <div class="device-menu" ref={box}>
      <button
        type="button"
        ref={button}
        title="Microphone, camera and speaker"
        aria-expanded={open.value}
        aria-controls={`${id}-dialog`}
        onClick={() => {
          if (open.value) close(true);
          else open.value = true;
        }}
      >
        <Settings2 size={18} aria-hidden="true" />
        Devices
      </button>
      {open.value && (
        <div class="device-menu-panel" id={`${id}-dialog`} role="dialog" aria-labelledby={`${id}-h`}>
          <div class="device-menu-head">
            <h3 id={`${id}-h`}>Microphone, camera and speaker</h3>
            <button type="button" class="device-menu-close" onClick={() => close(true)}>
              <X size={18} aria-hidden="true" />
              <span class="visually-hidden">Close</span>
            </button>
          </div>
          {mediaDevices.microphones.value.length > 0 ? (
            <>
              <DeviceFields
                onMicrophone={(mic) => void session.switchMicrophone(mic)}
                onAudio={(words) => void session.switchMicrophone(mediaDevices.microphoneId.value, words)}
              />
              <div class="device-level">
                <span id={`${id}-level`}>Microphone level</span>
                <meter min={0} max={1} value={level} aria-labelledby={`${id}-level`} />
              </div>
              {mediaDevices.cameras.value.length > 0 ? (
                <div class="field device-camera">
                  <label for={`${id}-camera`}>Camera</label>
                  <select
                    id={`${id}-camera`}
                    name="camera"
                    value={mediaDevices.shownCamera()}
                    onChange={(e) => {
                      const value = e.currentTarget.value;
                      mediaDevices.chooseCamera(value);
                      void session.media.switchCamera(value);
                    }}
                  >
                    {mediaDevices.cameras.value.map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.label}
                      </option>
                    ))}
                  </select>
                </div>
              ) : null}
            </>
          ) : (
            <p role="status">Looking for your microphones…</p>
          )}
        </div>
      )}
    </div>
  );
}
