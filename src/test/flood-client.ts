/**
 * A hostile room member in a process of its own, so that its own work does not
 * slow down the test that measures everyone else: it keeps CONCURRENCY
 * requests in flight, cycling through 60 KiB signals to TO_PEER, state
 * updates and joins, until the parent says `stop`; then it reports how many
 * answers of each status it got. Started by forkFloodClient below.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type FloodTarget = { baseUrl: string; origin: string; cookie: string; room: string; fromPeer: string; toPeer: string; concurrency: number };
export type FloodReport = { requests: number; statuses: Record<string, number> };

async function flood(target: FloodTarget, stopped: () => boolean): Promise<FloodReport> {
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
      while (!stopped()) {
        const r = requests[sent++ % requests.length]!;
        const res = await fetch(target.baseUrl + r.path, { method: 'POST', headers, body: r.body }).catch(() => null);
        await res?.arrayBuffer();
        const key = `${r.path.endsWith('join') ? 'join' : 'signal'} ${res?.status ?? 'error'}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }),
  );
  return { requests: sent, statuses };
}

/** Starts the flood in a child process; resolves once it is sending. */
export async function forkFloodClient(target: FloodTarget) {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const report = new Promise<FloodReport>((resolve, reject) => {
    child.on('message', (m: { report?: FloodReport }) => m.report && resolve(m.report));
    child.once('exit', () => reject(new Error('the flood client exited without a report')));
  });
  const started = new Promise<void>((resolve) => child.on('message', (m: { started?: boolean }) => m.started && resolve()));
  child.send({ target });
  await started;
  return {
    async stop(): Promise<FloodReport> {
      child.send({ stop: true });
      const r = await report;
      await exited;
      return r;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  let stop = false;
  process.on('message', (m: { target?: FloodTarget; stop?: boolean }) => {
    if (m.stop) stop = true;
    if (!m.target) return;
    let announced = false;
    const stopped = () => {
      if (!announced) process.send!({ started: true });
      announced = true;
      return stop;
    };
    void flood(m.target, stopped).then((report) => {
      process.send!({ report }, () => process.exit(0));
    });
  });
}
