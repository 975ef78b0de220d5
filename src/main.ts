import { ConfigError, parseConfig } from './config/config.js';
import { createLogger } from './logging/logger.js';
import { StartupError, startServer } from './server.js';

// The process entry: read the environment, start, and stop on a signal.
// Everything else is built in src/app.ts from explicit dependencies.

function fail(message: string): never {
  process.stderr.write(`parley: ${message}\n`);
  process.exit(1);
}

function readConfig() {
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}
const config = readConfig();
const logger = createLogger(config.logLevel);

const running = await startServer(config, logger).catch((err: unknown) => {
  if (err instanceof StartupError) fail(err.message);
  logger.fatal({ err }, 'start failed');
  process.exit(1);
});
logger.info({ port: running.port, origin: config.origin }, `Parley is listening on ${config.host}:${running.port}`);
if (running.metricsPort !== undefined) {
  logger.info({ metricsPort: running.metricsPort }, `Metrics are served on ${config.metrics!.host}:${running.metricsPort}/metrics`);
}

// A safety net: a stray rejected promise (from a library or a bug) is logged, not fatal.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

let signalled = false;
function shutdown(signal: string) {
  if (signalled) return;
  signalled = true;
  logger.info({ signal }, 'shutting down');
  // Backstop: whatever happens, the process is gone within the drain delay and the grace period plus a second.
  setTimeout(
    () => {
      logger.warn('shutdown took too long; exiting');
      process.exit(0);
    },
    config.shutdownDrainDelayMs + config.shutdownTimeoutMs + 1000,
  ).unref();
  running.stop().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (err: unknown) => {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
