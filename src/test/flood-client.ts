/**
 * A hostile room member in a process of its own, so that its own work does not
 * slow down the test that measures everyone else: while running it keeps
 * `concurrency` requests in flight, cycling through 60 KiB signals to
 * `toPeer`, state updates and joins. The parent can pause it (it then lets
 * its requests in flight finish and sends nothing), resume it, and stop it,
 * when it reports how many answers of each status it got. Started by
 * forkFloodClient below.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type FloodTarget = { baseUrl: string; origin: string; cookie: string; room: string; fromPeer: string; toPeer: string; concurrency: number };
type FloodReport = { requests: number; statuses: Record<string, number> };

type Control = { stopped: boolean; paused: boolean; inFlight: number; onIdle?: () => void; resumed: Promise<void>; resume?: () => void };

async function flood(target: FloodTarget, control: Control): Promise<FloodReport> {
  const headers = { origin: target.origin, cookie: target.cookie, 'content-type': 'application/json' };
  const big = JSON.stringify({ from: target.fromPeer, to: target.toPeer, type: 'candidate', data: { candidate: 'f'.repeat(60 * 1024) } });
  const requests = [
    { path: `/api/rooms/${target.room}/signal`, body: big },
    { path: `/api/rooms/${target.room}/signal`, body: JSON.stringify({ from: target.fromPeer, type: 'state', data: { inCall: true, muted: false } }) },
    { path: `/api/rooms/${target.room}/join`, body: '{}' },
  ];
  const statuses: Record<string, number> = {};
  let sent = 0;
  await Promise.all(
    Array.from({ length: target.concurrency }, async () => {
      while (!control.stopped) {
        if (control.paused) {
          await control.resumed;
          continue;
        }
        const r = requests[sent++ % requests.length]!;
        control.inFlight += 1;
        const res = await fetch(target.baseUrl + r.path, { method: 'POST', headers, body: r.body }).catch(() => null);
        await res?.arrayBuffer();
        control.inFlight -= 1;
        if (control.inFlight === 0) control.onIdle?.();
        const key = `${r.path.endsWith('join') ? 'join' : 'signal'} ${res?.status ?? 'error'}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }),
  );
  return { requests: sent, statuses };
}

/** Starts the flood in a child process, paused. */
export async function forkFloodClient(target: FloodTarget) {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let answer: ((m: Reply) => void) | undefined;
  child.on('message', (m: Reply) => answer?.(m));
  const ask = (m: Command) =>
    new Promise<Reply>((resolve, reject) => {
      answer = resolve;
      child.once('exit', () => reject(new Error('the flood client exited')));
      child.send(m);
    });
  await ask({ target });
  return {
    /** Resolves once it is sending. */
    resume: () => ask({ resume: true }),
    /** Resolves once its requests in flight are answered. */
    pause: () => ask({ pause: true }),
    async stop(): Promise<FloodReport> {
      const { report } = await ask({ stop: true });
      await exited;
      return report!;
    },
  };
}

type Command = { target?: FloodTarget; pause?: boolean; resume?: boolean; stop?: boolean };
type Reply = { ok?: boolean; report?: FloodReport };

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const control: Control = { stopped: false, paused: true, inFlight: 0, resumed: Promise.resolve() };
  const pauseNow = () => {
    control.paused = true;
    control.resumed = new Promise((resolve) => (control.resume = resolve));
  };
  pauseNow();
  let done: Promise<FloodReport> | undefined;
  process.on('message', (m: Command) => {
    if (m.target) {
      done = flood(m.target, control);
      process.send!({ ok: true });
    } else if (m.resume) {
      control.paused = false;
      control.resume?.();
      process.send!({ ok: true });
    } else if (m.pause) {
      pauseNow();
      if (control.inFlight === 0) process.send!({ ok: true });
      else
        control.onIdle = () => {
          control.onIdle = undefined;
          process.send!({ ok: true });
        };
    } else if (m.stop) {
      control.stopped = true;
      control.paused = false;
      control.resume?.();
      void done!.then((report) => process.send!({ report }, () => process.exit(0)));
    }
  });
}
