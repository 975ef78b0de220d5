import { useSignal } from '@preact/signals';
import { Volume2 } from 'lucide-preact';
import { useId } from 'preact/hooks';
import { audioContext } from '../lib/sound.js';
import { audioSettings, setAudioSetting } from './audio-settings.js';
import { canChooseSpeaker, mediaDevices, playTestTone } from './media-devices.js';
import './device-fields.css';

/**
 * The microphone and speaker selects, shared by the device check (before joining) and the
 * devices menu (mid-call). Choosing stores the choice at once; `onMicrophone` lets the menu move
 * the running call to it as well. Where the browser cannot choose an output (no setSinkId), the
 * speaker select is left out: the system's output is the only one there is. Under them, how the
 * microphone is sent (audio-settings.ts); `onAudio` lets the menu open the microphone again with
 * a changed noise setting, saying `words` once it is in use.
 */
export function DeviceFields(props: { onMicrophone?: (id: string) => void; onAudio?: (words: string) => void }) {
  const id = useId();
  const testing = useSignal(false);
  const testProblem = useSignal('');
  const microphones = mediaDevices.microphones.value;
  const speakers = mediaDevices.speakers.value;

  async function testSpeaker() {
    testing.value = true;
    testProblem.value = '';
    try {
      await playTestTone(audioContext(), mediaDevices.speakerId.value);
    } catch (err) {
      testProblem.value = `The tone could not be played: ${(err as Error).message}`;
    } finally {
      testing.value = false;
    }
  }

  return (
    <div class="device-fields">
      <Notice />
      <div class="field">
        <label for={`${id}-mic`}>Microphone</label>
        <select
          id={`${id}-mic`}
          name="microphone"
          value={mediaDevices.shownMicrophone()}
          onChange={(e) => {
            const value = e.currentTarget.value;
            mediaDevices.chooseMicrophone(value);
            props.onMicrophone?.(value);
          }}
        >
          {microphones.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      {canChooseSpeaker && speakers.length > 0 && (
        <div class="field device-speaker">
          <label for={`${id}-speaker`}>Speaker</label>
          <div class="device-speaker-row">
            <select id={`${id}-speaker`} name="speaker" value={mediaDevices.shownSpeaker()} onChange={(e) => mediaDevices.chooseSpeaker(e.currentTarget.value)}>
              {speakers.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.label}
                </option>
              ))}
            </select>
            <button type="button" onClick={() => void testSpeaker()} disabled={testing.value}>
              <Volume2 size={18} aria-hidden="true" />
              Test speaker
            </button>
          </div>
          <span class="hint" role="status">
            {testing.value ? 'Playing a short tone…' : testProblem.value}
          </span>
        </div>
      )}
      {canChooseSpeaker && speakers.length === 0 && (
        <p class="hint">Sound plays through your system’s output: this browser lists no speakers to choose from.</p>
      )}
      {!canChooseSpeaker && <p class="hint">Sound plays through your system’s output: this browser cannot send it elsewhere.</p>}
      <AudioChoices onAudio={props.onAudio} />
    </div>
  );
}

/** Noise suppression, the noise gate and push-to-talk: check boxes, each with a line on what it does. */
function AudioChoices(props: { onAudio?: (words: string) => void }) {
  const id = useId();
  const noise = (key: 'noiseSuppression' | 'noiseGate', name: string) => (e: Event) => {
    const on = (e.currentTarget as HTMLInputElement).checked;
    setAudioSetting(key, on);
    props.onAudio?.(`${name} ${on ? 'on' : 'off'}.`);
  };
  return (
    <fieldset class="device-audio">
      <legend>Your microphone’s sound</legend>
      <label class="check">
        <input
          type="checkbox"
          name="noise-suppression"
          checked={audioSettings.noiseSuppression.value}
          onChange={noise('noiseSuppression', 'Noise suppression')}
        />
        Noise suppression
      </label>
      <label class="check">
        <input
          type="checkbox"
          name="noise-gate"
          aria-describedby={`${id}-gate`}
          checked={audioSettings.noiseGate.value}
          onChange={noise('noiseGate', 'Noise gate')}
        />
        Noise gate
      </label>
      <p class="hint" id={`${id}-gate`}>
        Sends sound only while you speak louder than the room’s hum.
      </p>
      <label class="check">
        <input
          type="checkbox"
          name="push-to-talk"
          aria-describedby={`${id}-ptt`}
          checked={audioSettings.pushToTalk.value}
          onChange={(e) => setAudioSetting('pushToTalk', e.currentTarget.checked)}
        />
        Push to talk
      </label>
      <p class="hint" id={`${id}-ptt`}>
        Your microphone is off except while you hold Space (not while typing).
      </p>
    </fieldset>
  );
}

/** A chosen device that went away, in words, until dismissed. */
function Notice() {
  const text = mediaDevices.notice.value;
  return (
    <div role="status">
      {text && (
        <p class="device-notice">
          {text}{' '}
          <button type="button" class="device-notice-close" onClick={() => (mediaDevices.notice.value = '')}>
            OK
          </button>
        </p>
      )}
    </div>
  );
}
