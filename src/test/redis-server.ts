import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from './free-port.js';

/**
 * A Redis server of a test's own on a free loopback port, so that the test
 * can kill it and start it again without touching the Redis every other test
 * uses. It keeps nothing on disk: a restart comes back empty, as Parley's
 * production Redis is allowed to.
 */
export async function startPrivateRedis() {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const answers = () =>
    new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
    });

  async function start() {
    child = spawn(
      process.env.REDIS_SERVER_PATH ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 200; i++) {
      if (await answers()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on ${port} did not start`);
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** Kills the server at once (SIGKILL): every connection drops, all data is gone. */
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    /** Starts it again on the same port, empty. */
    restart: start,
    stop() {
      child?.kill('SIGKILL');
    },
  };
}
