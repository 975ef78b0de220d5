import { signal } from '@preact/signals';

/**
 * How this browser sends the microphone: the browser's noise suppression (on unless turned off),
 * a noise gate (off unless turned on) and push-to-talk (off unless turned on). Kept in
 * localStorage, as media-devices.ts keeps the chosen devices, so every call (and the next visit)
 * starts with them. Fetched with the room screen or the first call, never on the first load.
 */
const KEYS = { noiseSuppression: 'parley:noise-suppression', noiseGate: 'parley:noise-gate', pushToTalk: 'parley:push-to-talk' } as const;
type Setting = keyof typeof KEYS;

/** The gate's threshold in dBFS (RMS of a 128-sample block), for a browser that wants another than the default. */
const THRESHOLD_KEY = 'parley:noise-gate-threshold';
const DEFAULT_THRESHOLD_DB = -50;

const stored = (key: Setting, byDefault: boolean) => {
  const v = localStorage.getItem(KEYS[key]);
  return v === 'on' ? true : v === 'off' ? false : byDefault;
};

export const audioSettings = {
  noiseSuppression: signal(stored('noiseSuppression', true)),
  noiseGate: signal(stored('noiseGate', false)),
  pushToTalk: signal(stored('pushToTalk', false)),
};

export function setAudioSetting(key: Setting, on: boolean): void {
  audioSettings[key].value = on;
  localStorage.setItem(KEYS[key], on ? 'on' : 'off');
}

/** Read when the gate is built (each time the microphone opens), so a changed value applies from the next opening. */
export function gateThresholdDb(): number {
  const n = Number(localStorage.getItem(THRESHOLD_KEY) ?? Number.NaN);
  return Number.isFinite(n) && n <= 0 ? n : DEFAULT_THRESHOLD_DB;
}
