import { Writable } from 'node:stream';

/**
 * Everything that goes wrong in the test process while a test runs an
 * in-process server: unhandled rejections and exceptions, error-level lines
 * in the server's log (pass `log` to createLogger), and what the Node
 * adapter reports through console.error. A test that says "nothing crashed"
 * starts the watch before the server and expects `faults()` to be empty.
 */
export function watchFaults() {
  const logged: string[] = [];
  const process_: string[] = [];
  const reported: string[] = [];
  const log = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        // pino's level labels: only error and fatal count; warnings (a dependency down) do not.
        if (/"level":"(error|fatal)"/.test(line)) logged.push(line.slice(0, 2000));
      }
      done();
    },
  });
  const onRejection = (reason: unknown) => process_.push(`unhandledRejection: ${String((reason as Error)?.stack ?? reason)}`);
  const onException = (err: Error) => process_.push(`uncaughtException: ${err.stack ?? err.message}`);
  const consoleError = console.error;
  return {
    log,
    start() {
      process.on('unhandledRejection', onRejection);
      process.on('uncaughtException', onException);
      console.error = (...args: unknown[]) => {
        reported.push(
          args
            .map((a) => String((a as Error)?.stack ?? a))
            .join(' ')
            .slice(0, 2000),
        );
        consoleError(...args);
      };
    },
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      console.error = consoleError;
    },
    faults: () => ({ process: [...process_], log: [...logged], console: [...reported] }),
  };
}
