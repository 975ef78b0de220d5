import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { AdminError, openAdmin, type AdminContext } from './context.js';
import { deleteRoomByName, formatRooms, listAllRooms } from './rooms.js';
import { createUser, deleteUser, parseUsername, resetPassword } from './users.js';

/** Everything the commands need from outside, so that tests run them in-process. */
export type AdminIo = {
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
  /** The new password: one line of standard input with `--password-stdin`, else asked at the terminal. */
  readPassword(fromStdin: boolean): Promise<string>;
  logger: Logger;
};

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-user <username> [--display-name NAME] [--password-stdin]
                             create an account (password asked, or one line of stdin)
  reset-password <username> [--password-stdin]
                             set a new password and end all the account's sessions
  delete-user <username>     delete an account as it could itself (its rooms close)
  list-rooms [--json]        the rooms, with their live member counts
  delete-room <name>         delete a room as its owner could (its members are put out)
  help                       this text

It reads the server's configuration (DATABASE_URL, REDIS_URL or REDIS_CLUSTER_NODES,
REDIS_PREFIX, ...) and refuses a database the server has not migrated.`;

type Option = { type: 'string' | 'boolean' };
type Command = {
  /** How many positional arguments it takes. */
  args: number;
  options: Record<string, Option>;
  run(ctx: AdminContext, args: string[], values: Record<string, string | boolean | undefined>, io: AdminIo): Promise<void>;
};

const passwordStdin: Record<string, Option> = { 'password-stdin': { type: 'boolean' } };
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const COMMANDS: Record<string, Command> = {
  'create-user': {
    args: 1,
    options: { ...passwordStdin, 'display-name': { type: 'string' } },
    async run(ctx, [name], values, io) {
      const username = parseUsername(name!);
      const displayName = values['display-name'] as string | undefined;
      const user = await createUser(ctx, { username, displayName }, () => io.readPassword(values['password-stdin'] === true));
      io.out(`Created user ${user.username} (id ${user.id}, display name "${user.displayName}").`);
    },
  },
  'reset-password': {
    args: 1,
    options: passwordStdin,
    async run(ctx, [name], values, io) {
      const username = parseUsername(name!);
      const { sessions } = await resetPassword(ctx, username, () => io.readPassword(values['password-stdin'] === true));
      io.out(`Reset the password of ${username}; ${plural(sessions, 'session')} ended.`);
    },
  },
  'delete-user': {
    args: 1,
    options: {},
    async run(ctx, [name], _values, io) {
      const username = parseUsername(name!);
      const { rooms, sessions } = await deleteUser(ctx, username);
      io.out(`Deleted user ${username}; ${plural(rooms, 'room')} closed, ${plural(sessions, 'session')} ended.`);
    },
  },
  'list-rooms': {
    args: 0,
    options: { json: { type: 'boolean' } },
    async run(ctx, _args, values, io) {
      const rooms = await listAllRooms(ctx);
      if (values.json) io.out(JSON.stringify({ rooms }));
      else for (const line of formatRooms(rooms)) io.out(line);
    },
  },
  'delete-room': {
    args: 1,
    options: {},
    async run(ctx, [name], _values, io) {
      io.out(`Deleted room ${await deleteRoomByName(ctx, name!)}.`);
    },
  },
};

class UsageError extends Error {}

function parse(command: Command, argv: string[]) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== command.args) {
    throw new UsageError(`expected ${plural(command.args, 'argument')}, got ${parsed.positionals.length}`);
  }
  // No option is `multiple`, so no value is an array.
  return { args: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> };
}

/**
 * Runs one admin command and returns the process's exit status: 0 done (one line of
 * confirmation, or the listing), 1 failed (one line on stderr), 2 not understood (usage on stderr).
 */
export async function run(argv: string[], io: AdminIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    if (name !== undefined && name !== 'help' && name !== '--help' && name !== '-h') io.err(`parley-admin: unknown command "${name}"`);
    io.err(USAGE);
    return 2;
  }
  let ctx: AdminContext | undefined;
  try {
    const { args, values } = parse(command, rest);
    ctx = await openAdmin(parseConfig(io.env), io.logger);
    await command.run(ctx, args, values, io);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`parley-admin ${name}: ${err.message}`);
      io.err(USAGE);
      return 2;
    }
    if (err instanceof AdminError || err instanceof ConfigError) {
      io.err(`parley-admin ${name}: ${err.message}`);
      return 1;
    }
    io.err(`parley-admin ${name}: failed: ${(err as Error).message ?? String(err)}`);
    return 1;
  } finally {
    await ctx?.close();
  }
}
