/**
 * The noise gate itself, an AudioWorklet processor: it runs on the audio thread, block by block
 * (128 samples, under 3 ms), so it never waits on the page's main thread, whose timers a
 * background tab slows to once a second. Per block it measures the level (RMS) of the first
 * channel; above the threshold the gate opens, and it closes once the level has stayed below for
 * `holdMs`, so the quiet ends of words and short pauses pass. The gain moves towards open in 5 ms
 * and towards closed in 50 ms: no click as it opens or shuts.
 *
 * Built by Vite as a file of its own (`?worker&url` in noise-gate.ts) and loaded with
 * audioWorklet.addModule, which the CSP allows from the page's own origin.
 */

// The AudioWorkletGlobalScope, which the DOM library's types do not describe.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: { processorOptions?: unknown });
}
declare function registerProcessor(name: string, ctor: new (options: { processorOptions?: unknown }) => AudioWorkletProcessor): void;

type GateOptions = { thresholdDb: number; holdMs: number };

class NoiseGateProcessor extends AudioWorkletProcessor {
  private readonly threshold: number;
  private readonly holdFrames: number;
  private readonly attackStep = 1 / (0.005 * sampleRate);
  private readonly releaseStep = 1 / (0.05 * sampleRate);
  private quietFrames = Number.POSITIVE_INFINITY;
  private gain = 0;

  constructor(options: { processorOptions?: unknown }) {
    super(options);
    const { thresholdDb, holdMs } = options.processorOptions as GateOptions;
    this.threshold = 10 ** (thresholdDb / 20);
    this.holdFrames = (holdMs / 1000) * sampleRate;
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0];
    const output = outputs[0];
    const first = input?.[0];
    if (!input || !output || !first) return true;
    let sum = 0;
    for (const x of first) sum += x * x;
    const level = Math.sqrt(sum / first.length);
    this.quietFrames = level > this.threshold ? 0 : this.quietFrames + first.length;
    const target = this.quietFrames <= this.holdFrames ? 1 : 0;
    for (let i = 0; i < first.length; i++) {
      this.gain = target > this.gain ? Math.min(1, this.gain + this.attackStep) : Math.max(0, this.gain - this.releaseStep);
      for (let c = 0; c < output.length; c++) output[c]![i] = (input[c] ?? first)[i]! * this.gain;
    }
    return true;
  }
}

registerProcessor('noise-gate', NoiseGateProcessor);

// A module, so that the declarations above stay in this file.
export {};
