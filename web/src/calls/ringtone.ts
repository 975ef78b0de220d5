import { audioContext } from '../lib/sound.js';

const EVERY_MS = 3000;
const VOLUME = 0.07;

/**
 * A phone's ring made with Web Audio (no file to fetch): two short bursts of two mixed tones
 * (440 and 480 Hz, the North American ring), every 3 s, until the returned function stops it.
 * Every note goes through one gain node, so stopping silences a note mid-way too. A page the
 * person has not touched yet may not start audio: then it rings silently, and the prompt and
 * the notification still show.
 */
export function startRingtone(): () => void {
  const ctx = audioContext();
  const out = ctx.createGain();
  out.gain.value = VOLUME;
  out.connect(ctx.destination);
  const ring = () => {
    if (ctx.state !== 'running') return;
    const now = ctx.currentTime;
    for (const start of [now, now + 0.6]) {
      const env = ctx.createGain();
      env.gain.setValueAtTime(0.0001, start);
      env.gain.exponentialRampToValueAtTime(1, start + 0.03);
      env.gain.setValueAtTime(1, start + 0.37);
      env.gain.exponentialRampToValueAtTime(0.0001, start + 0.4);
      env.connect(out);
      for (const freq of [440, 480]) {
        const osc = ctx.createOscillator();
        osc.frequency.value = freq;
        osc.connect(env);
        osc.start(start);
        osc.stop(start + 0.42);
      }
    }
  };
  let stopped = false;
  // The page's first sound: the context may still be starting.
  if (ctx.state === 'running') ring();
  else
    void ctx.resume().then(
      () => !stopped && ring(),
      () => {},
    );
  const timer = setInterval(ring, EVERY_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    out.disconnect();
  };
}
