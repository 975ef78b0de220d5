import { createLogger } from '../logging/logger.js';
import { run } from './commands.js';
import { readNewPassword } from './password-input.js';

// The admin command's process entry (`npm run admin -- <command>`, bin/parley-admin.js):
// arguments and the terminal here; the commands are in src/admin/commands.ts.

const code = await run(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readPassword: (fromStdin) => readNewPassword(fromStdin, process.stdin, process.stderr),
  // Warnings only, and on stderr: stdout carries the command's answer.
  logger: createLogger('warn', process.stderr),
});
process.exit(code);
