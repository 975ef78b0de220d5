import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ParleyProcess = {
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
};

/** Runs the real process entry (src/main.ts through tsx) with only the given environment. */
export function runParleyProcess(env: Record<string, string>): ParleyProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return {
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    kill: (signal) => child.kill(signal),
  };
}

/** Waits for the "listening" log line and returns the port. */
export async function waitForListening(proc: ParleyProcess): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const line = proc
      .stdout()
      .split('\n')
      .find((l) => l.includes('"msg":"Parley is listening'));
    if (line) return JSON.parse(line).port;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start: ${proc.stdout()} ${proc.stderr()}`);
}
