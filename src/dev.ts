import { spawn, type ChildProcess } from 'node:child_process';

/**
 * `npm run dev`: the server under `tsx watch` (restarts on change) and the
 * Vite dev server (hot reload) side by side. Open http://localhost:5173;
 * Vite proxies /api and /socket.io to the server, so the browser's origin
 * is Vite's, and the server is told so through ORIGIN.
 */
const origin = process.env.DEV_ORIGIN ?? 'http://localhost:5173';
const children: ChildProcess[] = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'src/main.ts'], {
    stdio: 'inherit',
    env: { ...process.env, ORIGIN: process.env.ORIGIN ?? origin },
  }),
  spawn('npx', ['vite', '--config', 'web/vite.config.ts'], { stdio: 'inherit', env: process.env }),
];

function stop(code = 0) {
  for (const c of children) c.kill('SIGTERM');
  process.exit(code);
}
for (const c of children) c.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop());
process.on('SIGTERM', () => stop());
