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

/** Polls a stream's loudness (0–1) for a level meter; returns a function that stops it. */
export function watchLevel(stream: MediaStream, onLevel: (level: number) => void): () => void {
  const ctx = audioContext();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    // RMS, scaled so that speech sits in the middle of the meter.
    onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
  }, 100);
  return () => {
    clearInterval(timer);
    source.disconnect();
    analyser.disconnect();
  };
}
