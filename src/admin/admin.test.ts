import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { createLogger } from '../logging/logger.js';
import { connected, dmSocket } from '../test/dm-helpers.js';
import { startTestCluster, uniqueUsername, type TestServer } from '../test/harness.js';
import { createRoom, join, openStream, person, uniqueRoomName, type Person } from '../test/rooms-helpers.js';
import { databaseUrl, TEST_DB_PREFIX, TEST_MYSQL_ROOT, testRedisEnv } from '../test/services.js';
import { SseClient, type SseEvent } from '../test/sse-client.js';
import { run, type AdminIo } from './commands.js';

/**
 * The admin command against two running servers that share its MariaDB database and Redis
 * prefix. Sessions are cached for 30 s, so a session seen ended on a server can only be the
 * command's announcement. Most cases call `run` in-process; a few run the real command
 * (bin/parley-admin.js through tsx) as a child process, as an operator would.
 */
let a: TestServer;
let b: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { SESSION_CACHE_MS: '30000' })) as [TestServer, TestServer];
  env = { DATABASE_URL: a.config.databaseUrl, REDIS_PREFIX: a.config.redisPrefix, ...testRedisEnv() };
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const sockets: Socket[] = [];
const streams: SseClient[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
  for (const s of streams.splice(0)) s.close();
});

const PASSWORD = 'correct horse battery';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a command in this process; `password` is what the operator would type. */
async function admin(argv: string[], options: { password?: string; env?: Record<string, string> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let asked = 0;
  const io: AdminIo = {
    env: options.env ?? env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    readPassword: async () => {
      asked += 1;
      if (options.password === undefined) throw new Error('the command asked for a password');
      return options.password;
    },
    logger: createLogger('silent'),
  };
  const code = await run(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n'), asked };
}

/** Runs the real command, as `npm run admin -- …` does, with `stdin` written to it. */
function adminProcess(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const child = spawn(process.execPath, ['bin/parley-admin.js', ...argv], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...(options.env ?? env) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.end(options.stdin ?? '');
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

const login = (server: TestServer, username: string, password: string) => server.client().post('/api/auth/login', { username, password });

async function openLobby(p: Person): Promise<SseClient> {
  const cookie = [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const sse = new SseClient(`${p.server.baseUrl}/api/lobby/events`, { cookie, accept: 'text/event-stream' });
  streams.push(sse);
  await sse.open();
  await sse.nextOf('rooms');
  return sse;
}
const deletedRoom = (name: string) => (e: SseEvent) => e.event === 'room-deleted' && e.data.name === name;

/** A member of `room` with its event stream open, read past its welcome. */
async function seated(p: Person, room: string) {
  const peer = await join(p, room);
  const stream = await openStream(p, room, peer);
  streams.push(stream);
  await stream.nextOf('welcome');
  return { peer, stream };
}

describe('create-user', () => {
  it('creates an account that signs in, under the signup rules', async () => {
    const name = uniqueUsername('made');
    const made = await admin(['create-user', name.toUpperCase(), '--display-name', '  Made by Admin '], { password: PASSWORD });
    expect(made).toMatchObject({ code: 0, err: '' });
    expect(made.out).toMatch(new RegExp(`^Created user ${name} \\(id \\d+, display name "Made by Admin"\\)\\.$`));
    const res = await login(b, name, PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: name, displayName: 'Made by Admin' });

    const taken = await admin(['create-user', name], { password: PASSWORD });
    expect(taken).toMatchObject({ code: 1, out: '', asked: 0 });
    expect(taken.err).toBe(`parley-admin create-user: the username "${name}" is taken`);
  });

  it('refuses a bad name or password with one line and exit 1, writing nothing', async () => {
    const name = uniqueUsername('weak');
    for (const password of ['short', '         ']) {
      const weak = await admin(['create-user', name], { password });
      expect(weak.code).toBe(1);
      expect(weak.err.split('\n')).toHaveLength(1);
      expect(weak.err).toMatch(/^parley-admin create-user: password must/);
    }
    const badName = await admin(['create-user', 'no spaces allowed'], { password: PASSWORD });
    expect(badName).toMatchObject({ code: 1, asked: 0 });
    expect(badName.err).toMatch(/username must be 3-32 characters/);
    // Nothing was written: the name is free, as signup shows.
    expect((await a.client().post('/api/auth/signup', { username: name, password: PASSWORD })).status).toBe(201);
  });
});

describe('reset-password (the real command)', () => {
  it('ends every session of the user on every process: cookies, /dm sockets, room members; the new password works', async () => {
    const ann = await person(a, 'reset');
    const bob = await person(b, 'bob');
    const room = uniqueRoomName('reset');
    await createRoom(bob, room);
    const bobSeat = await seated(bob, room);
    // Ann's session is cached on both processes, holds a /dm socket on B and a member on A.
    expect((await ann.client.get('/api/me')).status).toBe(200);
    const onB = b.client();
    for (const [k, v] of ann.client.cookies) onB.cookies.set(k, v);
    expect((await onB.get('/api/me')).status).toBe(200);
    const socket = dmSocket({ ...ann, server: b });
    sockets.push(socket);
    await connected(socket);
    const socketGone = new Promise((resolve) => socket.once('disconnect', resolve));
    const annSeat = await seated(ann, room);
    await bobSeat.stream.next((e) => e.event === 'member-joined' && e.data.member.peerId === annSeat.peer);

    const reset = await adminProcess(['reset-password', ann.username, '--password-stdin'], { stdin: 'a brand new secret\nignored second line\n' });
    expect(reset).toMatchObject({ code: 0, err: '' });
    expect(reset.out.trim()).toBe(`Reset the password of ${ann.username}; 1 session ended.`);

    await socketGone;
    const left = await bobSeat.stream.next((e) => e.event === 'member-left' && e.data.peerId === annSeat.peer);
    expect(left.data.reason).toBe('left');
    await annSeat.stream.whenEnded();
    expect((await ann.client.get('/api/me')).status).toBe(401);
    expect((await onB.get('/api/me')).status).toBe(401);
    expect((await login(b, ann.username, PASSWORD)).status).toBe(401);
    expect((await login(b, ann.username, 'a brand new secret')).status).toBe(200);
  });

  it('refuses an unknown user and a too-short password, changing nothing', async () => {
    const ann = await person(a, 'keep');
    const unknown = await admin(['reset-password', uniqueUsername('nobody')], { password: PASSWORD });
    expect(unknown).toMatchObject({ code: 1, asked: 0 });
    expect(unknown.err).toMatch(/^parley-admin reset-password: no user named "nobody/);
    const weak = await admin(['reset-password', ann.username], { password: 'short' });
    expect(weak.code).toBe(1);
    expect(weak.err).toMatch(/password must be 8-256 characters/);
    expect((await ann.client.get('/api/me')).status).toBe(200);
    expect((await login(a, ann.username, PASSWORD)).status).toBe(200);
  });
});

describe('delete-user', () => {
  it('does what DELETE /api/me does: sessions end, rooms close (lobbies hear it), the name stays taken', async () => {
    const ann = await person(a, 'gone');
    const bob = await person(b, 'bob');
    const room = uniqueRoomName('gone');
    await createRoom(ann, room);
    const lobby = await openLobby(bob);
    const bobSeat = await seated(bob, room);

    const deleted = await admin(['delete-user', ann.username]);
    expect(deleted).toMatchObject({ code: 0, err: '', out: `Deleted user ${ann.username}; 1 room closed, 1 session ended.` });
    expect((await bobSeat.stream.nextOf('room-closed')).data).toEqual({ reason: 'deleted' });
    await lobby.next(deletedRoom(room));
    expect((await ann.client.get('/api/me')).status).toBe(401);
    expect((await login(b, ann.username, PASSWORD)).status).toBe(401);
    expect((await b.client().post('/api/auth/signup', { username: ann.username, password: PASSWORD })).status).toBe(409);

    expect((await admin(['delete-user', ann.username])).err).toMatch(/no user named/);
  });
});

describe('list-rooms and delete-room', () => {
  it('lists rooms with their live member counts, as text and as JSON', async () => {
    const ann = await person(a, 'list');
    const bob = await person(b, 'list');
    const room = uniqueRoomName('list');
    await createRoom(ann, room, { password: 'door code', capacity: 4 });
    await join(ann, room);
    await join(bob, room, { password: 'door code' });

    const text = await admin(['list-rooms']);
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    expect(lines[0]).toMatch(/^NAME +OWNER +CREATED +MEMBERS +LOCKED$/);
    const row = lines.find((l) => l.startsWith(`${room} `));
    expect(row).toMatch(new RegExp(`^${room} +${ann.username} +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +2/4 +yes$`));
    // Aligned: every column starts where its header does.
    expect(row!.indexOf('2/4')).toBe(lines[0]!.indexOf('MEMBERS'));

    const json = await adminProcess(['list-rooms', '--json']);
    expect(json).toMatchObject({ code: 0, err: '' });
    const listed = JSON.parse(json.out).rooms.find((r: { name: string }) => r.name === room);
    expect(listed).toMatchObject({ name: room, owner: ann.username, members: 2, capacity: 4, locked: true });
    expect(Number.isNaN(Date.parse(listed.createdAt))).toBe(false);
  });

  it('delete-room ends the members’ streams, tells the lobbies and removes the room', async () => {
    const ann = await person(a, 'owner');
    const bob = await person(b, 'member');
    const room = uniqueRoomName('doomed');
    await createRoom(ann, room);
    const lobby = await openLobby(ann);
    const bobSeat = await seated(bob, room);

    const deleted = await admin(['delete-room', `  ${room.toUpperCase()} `]);
    expect(deleted).toMatchObject({ code: 0, err: '', out: `Deleted room ${room}.` });
    expect((await bobSeat.stream.nextOf('room-closed')).data).toEqual({ reason: 'deleted' });
    await bobSeat.stream.whenEnded();
    await lobby.next(deletedRoom(room));
    expect((await ann.client.get(`/api/rooms/${room}`)).status).toBe(404);
    expect((await admin(['list-rooms', '--json'])).out).not.toContain(`"${room}"`);

    const again = await admin(['delete-room', room]);
    expect(again).toMatchObject({ code: 1, err: `parley-admin delete-room: no room named "${room}"` });
    const bad = await admin(['delete-room', 'bad name!']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^parley-admin delete-room: "bad name!" cannot be a room name: Room names are/);
  });
});

describe('usage', () => {
  it('prints usage on stderr with exit 2 for no command, help, an unknown command or bad arguments', async () => {
    for (const argv of [[], ['help'], ['--help'], ['frobnicate'], ['create-user'], ['delete-room', 'a', 'b'], ['list-rooms', '--bogus'], ['toString']]) {
      const res = await admin(argv);
      expect(res, argv.join(' ')).toMatchObject({ code: 2, out: '' });
      expect(res.err).toContain('Usage: npm run admin -- <command>');
    }
    expect((await admin(['frobnicate'])).err).toMatch(/^parley-admin: unknown command "frobnicate"/);
  });

  it('reports a bad configuration in one line', async () => {
    const res = await admin(['list-rooms'], { env: { ...env, DATABASE_URL: 'postgres://nope' } });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^parley-admin list-rooms: invalid configuration: DATABASE_URL/);
  });
});

describe('a database the server did not migrate', () => {
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: TEST_MYSQL_ROOT });
  });
  afterAll(async () => {
    await conn?.end();
  });
  const fresh = () => `${TEST_DB_PREFIX}admin_${randomBytes(4).toString('hex')}`;
  const tables = async (name: string) => ((await conn.query(`SHOW TABLES FROM \`${name}\``))[0] as unknown[]).length;
  const exists = async (name: string) => ((await conn.query('SHOW DATABASES LIKE ?', [name]))[0] as unknown[]).length > 0;

  it('refuses a missing database and an empty one, creating nothing (the real command)', async () => {
    const missing = fresh();
    const none = await adminProcess(['list-rooms'], { env: { ...env, DATABASE_URL: databaseUrl(missing) } });
    expect(none.code).toBe(1);
    expect(none.err.trim()).toBe(
      `parley-admin list-rooms: database "${missing}" does not exist. Start the Parley server once against it to migrate it; this command changes nothing until then.`,
    );
    expect(await exists(missing)).toBe(false);

    const empty = fresh();
    await conn.query(`CREATE DATABASE \`${empty}\``);
    const res = await admin(['create-user', uniqueUsername('x')], { password: PASSWORD, env: { ...env, DATABASE_URL: databaseUrl(empty) } });
    expect(res).toMatchObject({ code: 1, asked: 0 });
    expect(res.err).toMatch(/has no __drizzle_migrations table: Parley never migrated it\. Start the Parley server once/);
    expect(await tables(empty)).toBe(0);
  });

  it('refuses a database missing a migration, or with one recorded differently, changing nothing', async () => {
    const name = fresh();
    await conn.query(`CREATE DATABASE \`${name}\``);
    const database = createDatabase(databaseUrl(name));
    await runMigrations(database);
    await database.close();
    const target = { env: { ...env, DATABASE_URL: databaseUrl(name) } };
    expect((await admin(['list-rooms'], target)).code).toBe(0);

    const [[last]] = (await conn.query(`SELECT id, hash FROM \`${name}\`.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`)) as any;
    await conn.query(`DELETE FROM \`${name}\`.__drizzle_migrations WHERE id = ?`, [last.id]);
    const behind = await admin(['list-rooms'], target);
    expect(behind.code).toBe(1);
    expect(behind.err).toMatch(new RegExp(`database "${name}" has (\\d+) of the \\d+ migrations in drizzle/ \\(the first missing is \\d{4}_\\w+\\)`));
    const [[{ n }]] = (await conn.query(`SELECT COUNT(*) AS n FROM \`${name}\`.__drizzle_migrations`)) as any;
    expect(behind.err).toContain(`has ${n} of the ${Number(n) + 1} migrations`);

    await conn.query(`UPDATE \`${name}\`.__drizzle_migrations SET hash = 'edited' ORDER BY created_at LIMIT 1`);
    const edited = await admin(['list-rooms'], target);
    expect(edited.code).toBe(1);
    expect(edited.err).toMatch(/recorded migration 1 differently from drizzle\/0000_\w+\.sql/);
  });
});
