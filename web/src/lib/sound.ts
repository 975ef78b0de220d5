/**
 * Short join and leave chimes, made with Web Audio (no files to fetch), and
 * the one AudioContext the page uses, also for level meters.
 */
const KEY = 'parley:sounds';
let context: AudioContext | undefined;

export function audioContext(): AudioContext {
  context ??= new AudioContext();
  if (context.state === 'suspended') void context.resume().catch(() => {});
  return context;
}

export function soundsOn(): boolean {
  return localStorage.getItem(KEY) !== 'off';
}

export function setSoundsOn(on: boolean): void {
  localStorage.setItem(KEY, on ? 'on' : 'off');
}

export function chime(kind: 'join' | 'leave'): void {
  if (!soundsOn() || !context || context.state !== 'running') return;
  const ctx = context;
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  const now = ctx.currentTime;
  osc.frequency.setValueAtTime(kind === 'join' ? 660 : 520, now);
  osc.frequency.linearRampToValueAtTime(kind === 'join' ? 880 : 390, now + 0.15);
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.08, now + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.25);
  osc.connect(gain).connect(ctx.destination);
  osc.start(now);
  osc.stop(now + 0.3);
}

/**
 * Polls a stream's loudness (0–1) for a level meter; returns a function that stops it.
 *
 * The meter reads the peak of the last ~43 ms every 50 ms: a window that covers the whole time
 * between polls, so no sound falls between two readings. Peaks, not RMS: the microphone's own
 * track, after echo cancellation, noise suppression and gain control, carries a short tone at a
 * fifth of the RMS that the same tone reaches after Opus on the far side, and an RMS meter would
 * show your own voice far quieter than others'. Peaks read both alike.
 */
export function watchLevel(stream: MediaStream, onLevel: (level: number) => void): () => void {
  const ctx = audioContext();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let peak = 0;
    for (const s of samples) peak = Math.max(peak, Math.abs(s));
    onLevel(Math.min(1, peak * 1.5));
  }, 50);
  return () => {
    clearInterval(timer);
    source.disconnect();
    analyser.disconnect();
  };
}
