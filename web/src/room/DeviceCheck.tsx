import { useSignal } from '@preact/signals';
import { Mic } from 'lucide-preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { audioContext } from '../lib/sound.js';
import { DeviceFields } from './DeviceFields.js';
import { mediaDevices } from './media-devices.js';
import { useLevel } from './use-level.js';
import './device-check.css';

function stopStream(stream: MediaStream | null | undefined) {
  for (const t of stream?.getTracks() ?? []) t.stop();
}

function problemWords(err: unknown): string {
  const name = (err as DOMException).name;
  if (name === 'NotAllowedError') return 'Parley may not use your microphone. Allow it in the browser’s site settings, then try again.';
  if (name === 'NotFoundError') return 'No microphone was found. Plug one in: this check updates by itself.';
  return `The microphone could not be opened: ${(err as Error).message}`;
}

/**
 * Before joining the call: choose the microphone and speaker and see the microphone's level.
 * The microphone is opened for the preview only while this is shown (and only once the person
 * allowed it: before that, "Check microphone" asks, rather than a prompt on page load); it is
 * stopped when this goes away, which joining the call does.
 */
export function DeviceCheck() {
  const id = useId();
  const preview = useSignal<MediaStream | null>(null);
  const problem = useSignal('');
  const opening = useRef(0);
  const level = useLevel(preview.value);
  const hasDevices = mediaDevices.microphones.value.length > 0;
  const micId = mediaDevices.microphoneId.value;

  useEffect(() => mediaDevices.start(), []);
  useEffect(
    () => () => {
      opening.current++;
      stopStream(preview.peek());
      preview.value = null;
    },
    [],
  );

  async function openPreview(deviceId: string | undefined) {
    const mine = ++opening.current;
    problem.value = '';
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: deviceId ? { deviceId: { exact: deviceId } } : true, video: false });
      // Unmounted, or another device chosen, while this one was opening: it must not stay on.
      if (mine !== opening.current) return stopStream(stream);
      stopStream(preview.peek());
      preview.value = stream;
      await mediaDevices.refresh();
    } catch (err) {
      if (mine !== opening.current) return;
      if ((err as DOMException).name === 'OverconstrainedError') return void mediaDevices.refresh();
      problem.value = problemWords(err);
    }
  }

  // Once the microphone may be used: preview the chosen one, again whenever the choice changes.
  // Not twice: "Check microphone" has opened the default one already when the names appear.
  useEffect(() => {
    if (!hasDevices) return;
    const track = preview.peek()?.getAudioTracks()[0];
    if (track?.readyState === 'live' && (!micId || track.getSettings().deviceId === micId)) return;
    void openPreview(micId || undefined);
  }, [hasDevices, micId]);

  return (
    // A click or key here counts as the gesture that lets the page's AudioContext (and so the meter) run.
    <section class="device-check" aria-labelledby={`${id}-h`} onPointerDown={() => audioContext()} onKeyDown={() => audioContext()}>
      <h3 id={`${id}-h`}>Microphone and speaker</h3>
      {hasDevices ? (
        <>
          <DeviceFields />
          <div class="device-level">
            <span id={`${id}-level`}>Microphone level</span>
            <meter min={0} max={1} value={level} aria-labelledby={`${id}-level`} />
          </div>
          <p class="hint">Speak: the bar moves when your microphone hears you.</p>
        </>
      ) : !mediaDevices.listed.value ? (
        <p role="status">Looking for your microphones…</p>
      ) : mediaDevices.permission.value === 'denied' ? null : mediaDevices.permission.value === 'granted' ? (
        <p role="status">No microphone was found. Plug one in: this check updates by itself.</p>
      ) : (
        <>
          <p>Your browser shows the names of your microphones and speakers once Parley may use the microphone.</p>
          <button type="button" onClick={() => void openPreview(undefined)}>
            <Mic size={18} aria-hidden="true" />
            Check microphone
          </button>
        </>
      )}
      {(problem.value || mediaDevices.permission.value === 'denied') && (
        <p class="error" role="alert">
          {problem.value || problemWords({ name: 'NotAllowedError' })}
        </p>
      )}
    </section>
  );
}
