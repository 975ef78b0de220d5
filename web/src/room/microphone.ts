import { audioSettings, gateThresholdDb } from './audio-settings.js';
import { openChosenOrDefault } from './media-devices.js';
import { gate } from './noise-gate.js';

export { release } from './noise-gate.js';

/**
 * Opening the call's microphone as the audio settings say (audio-settings.ts): the browser's
 * noise suppression on or off, and the noise gate after it when chosen. A chunk of its own,
 * fetched with the first call (call.ts), so the first load does not carry it.
 */

/** The chosen microphone; when it is gone (unplugged since it was chosen), the default one. */
export async function openMicrophone(deviceId?: string): Promise<MediaStream> {
  const raw = await openRaw(deviceId);
  if (!audioSettings.noiseGate.peek()) return raw;
  try {
    return await gate(raw, gateThresholdDb());
  } catch (err) {
    // Without Web Audio worklets (or the processor's file), the call goes on ungated.
    console.warn('parley: no noise gate', err);
    return raw;
  }
}

function openRaw(deviceId?: string): Promise<MediaStream> {
  return openChosenOrDefault(deviceId, (id) => ({ audio: audioConstraints(id), video: false }));
}

function audioConstraints(deviceId?: string): MediaTrackConstraints {
  const base = { echoCancellation: true, noiseSuppression: audioSettings.noiseSuppression.peek(), autoGainControl: true };
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
}
