import type { RowDataPacket } from 'mysql2/promise';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password.js';
import { createSession, generateSessionToken } from '../auth/session.js';
import { createDatabase, type Database } from '../db/client.js';
import { users } from '../db/schema.js';
import { TestClient } from '../test/client.js';
import { TEST_ORIGIN, uniquePrefix, uniqueUsername, workerDatabaseUrl } from '../test/harness.js';
import { runParleyProcess, waitForListening, type ParleyProcess } from '../test/process.js';
import { mapLimit } from '../test/map-limit.js';
import { testRedisEnv } from '../test/services.js';
import { SseClient, type SseEvent } from '../test/sse-client.js';

/**
 * Scenario 4 of docs/reliability.md: load on two Parley processes (real
 * child processes, so the servers have the machine's other core).
 *  - 1,000 direct-message sockets (500 people with a tab on each process),
 *    10 messages from each socket: every acked message is stored once and
 *    reaches every tab of its sender and its recipient.
 *  - 2,000 room event streams in 1,000 rooms (one member of each room on
 *    each process), three signals from every member to the other: none lost,
 *    none twice, none at the wrong peer.
 */

const PEOPLE = 500;
const MESSAGES_PER_SOCKET = 10;
const ROOMS = 1000;
const SIGNALS_PER_MEMBER = 3;

const processes: ParleyProcess[] = [];
const bases: string[] = [];
let database: Database;
const cleanups: Array<() => unknown> = [];

type Someone = { id: number; username: string; cookie: string };
let people: Someone[] = [];

beforeAll(async () => {
  const env = {
    DATABASE_URL: workerDatabaseUrl(),
    ...testRedisEnv(),
    REDIS_PREFIX: uniquePrefix(),
    ORIGIN: TEST_ORIGIN,
    LOG_LEVEL: 'info',
    // All 2,000 members join before any stream opens; on a busy machine that takes longer than
    // the 20 s a member without a stream is kept, and the first ones would have left.
    ROOM_MEMBER_TIMEOUT_MS: '120000',
  };
  for (let i = 0; i < 2; i++) {
    const p = runParleyProcess(env);
    processes.push(p);
    bases.push(`http://127.0.0.1:${await waitForListening(p)}`);
  }
  // People and their sessions are made directly, with Parley's own session code: signing up
  // 500 accounts through the API would spend the run on password hashing.
  database = createDatabase(workerDatabaseUrl());
  const passwordHash = await hashPassword('correct horse battery');
  const names = Array.from({ length: PEOPLE }, () => uniqueUsername('load'));
  await database.db.insert(users).values(names.map((username) => ({ username, displayName: username, passwordHash, createdAt: new Date() })));
  const [rows] = await database.pool.query<RowDataPacket[]>('SELECT id, username FROM users WHERE username IN (?)', [names]);
  const idOf = new Map(rows.map((r) => [String(r.username), Number(r.id)]));
  people = await Promise.all(
    names.map(async (username) => {
      const token = generateSessionToken();
      await createSession(database.db, token, idOf.get(username)!, 1);
      return { id: idOf.get(username)!, username, cookie: `parley_session=${token}` };
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exit));
  await database?.close();
});

function clientFor(p: Someone, base: string): TestClient {
  const c = new TestClient(base, TEST_ORIGIN);
  const [k, v] = p.cookie.split('=') as [string, string];
  c.cookies.set(k, v);
  return c;
}

describe('load on two processes', () => {
  it('1,000 DM sockets, 10 messages each: every acked message stored once and delivered to every tab of both people', { timeout: 180_000 }, async () => {
    type Tab = { owner: Someone; socket: Socket; got: Map<string, number> };
    const tabs: Tab[] = [];
    await mapLimit(
      people.flatMap((p) => [0, 1].map((proc) => [p, proc] as const)),
      100,
      async ([p, proc]) => {
        const socket = connect(`${bases[proc]}/dm`, {
          transports: ['websocket'],
          extraHeaders: { origin: TEST_ORIGIN, cookie: p.cookie },
          forceNew: true,
          reconnection: false,
        });
        cleanups.push(() => socket.disconnect());
        const tab: Tab = { owner: p, socket, got: new Map() };
        socket.on('dm:message', (m: { clientId: string; id: number; from: string }) => {
          const key = `${m.from}/${m.clientId}`;
          tab.got.set(key, (tab.got.get(key) ?? 0) + 1);
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        tabs.push(tab);
      },
    );
    expect(tabs).toHaveLength(2 * PEOPLE);

    // Each tab sends 10 messages to the next person (so everyone sends 20 and receives 20).
    const acked: Array<{ from: Someone; to: Someone; clientId: string; id: number }> = [];
    const started = Date.now();
    await Promise.all(
      tabs.map(async (tab, t) => {
        const to = people[(people.indexOf(tab.owner) + 1) % PEOPLE]!;
        for (let i = 0; i < MESSAGES_PER_SOCKET; i++) {
          const clientId = `load${t}x${i}`;
          const ack = await tab.socket.timeout(30_000).emitWithAck('dm:send', { to: to.username, body: `message ${i} of tab ${t}`, clientId });
          expect(ack.ok, JSON.stringify(ack)).toBe(true);
          acked.push({ from: tab.owner, to, clientId, id: ack.message.id });
        }
      }),
    );
    const sendMs = Date.now() - started;
    expect(acked).toHaveLength(2 * PEOPLE * MESSAGES_PER_SOCKET);

    // Stored exactly once, under the acked id.
    const [rows] = await database.pool.query<RowDataPacket[]>(
      "SELECT sender_id, client_id, COUNT(*) AS n, MIN(id) AS id FROM direct_messages WHERE sender_id IN (?) AND client_id LIKE 'load%' GROUP BY sender_id, client_id",
      [people.map((p) => p.id)],
    );
    const stored = new Map(rows.map((r) => [`${r.sender_id}/${r.client_id}`, { n: Number(r.n), id: Number(r.id) }]));
    for (const a of acked) expect(stored.get(`${a.from.id}/${a.clientId}`)).toEqual({ n: 1, id: a.id });
    expect(rows).toHaveLength(acked.length);

    // Delivered to all four tabs of the two people, once each (deliveries may trail the ack a little).
    const tabsOf = new Map<number, Tab[]>();
    for (const tab of tabs) tabsOf.set(tab.owner.id, [...(tabsOf.get(tab.owner.id) ?? []), tab]);
    const missing = () =>
      acked.filter((a) => [...tabsOf.get(a.from.id)!, ...tabsOf.get(a.to.id)!].some((tab) => tab.got.get(`${a.from.username}/${a.clientId}`) !== 1));
    const deadline = Date.now() + 15_000;
    while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(missing()).toEqual([]);
    const deliveries = tabs.reduce((n, tab) => n + [...tab.got.values()].reduce((x, y) => x + y, 0), 0);
    expect(deliveries).toBe(acked.length * 4);
    console.info(`[load] ${acked.length} DMs from ${tabs.length} sockets acked in ${sendMs} ms; ${deliveries} deliveries, all checked`);
    for (const tab of tabs) tab.socket.disconnect();
  });

  it('2,000 room streams in 1,000 rooms: every signal reaches its peer once, and no other', { timeout: 180_000 }, async () => {
    type Member = { who: Someone; room: string; proc: number; peer: string; stream?: SseClient; partner?: Member };
    const tag = Math.random().toString(36).slice(2, 7);
    const rooms = Array.from({ length: ROOMS }, (_, r) => `load-${tag}-${r}`);
    // Two rooms per creator keeps everyone under the rooms-per-hour limit.
    await mapLimit(rooms, 40, async (room, r) => {
      const res = await clientFor(people[r % PEOPLE]!, bases[r % 2]!).post('/api/rooms', { name: room, capacity: 2 });
      expect(res.status, res.text).toBe(201);
    });
    const members: Member[] = rooms.flatMap((room, r) => [
      { who: people[(2 * r) % PEOPLE]!, room, proc: 0, peer: '' },
      { who: people[(2 * r + 1) % PEOPLE]!, room, proc: 1, peer: '' },
    ]);
    for (let i = 0; i < members.length; i += 2) {
      members[i]!.partner = members[i + 1]!;
      members[i + 1]!.partner = members[i]!;
    }
    await mapLimit(members, 40, async (m) => {
      const res = await clientFor(m.who, bases[m.proc]!).post(`/api/rooms/${m.room}/join`, {});
      expect(res.status, res.text).toBe(200);
      m.peer = res.body.peerId;
    });
    const opened = Date.now();
    await mapLimit(members, 100, async (m) => {
      m.stream = new SseClient(`${bases[m.proc]}/api/rooms/${m.room}/events?peer=${m.peer}`, { cookie: m.who.cookie, accept: 'text/event-stream' });
      cleanups.push(() => m.stream!.close());
      expect(await m.stream.open()).toBe(200);
      await m.stream.nextOf('welcome', 30_000);
    });
    const openMs = Date.now() - opened;

    const started = Date.now();
    await mapLimit(members, 40, async (m) => {
      const client = clientFor(m.who, bases[m.proc]!);
      for (let n = 0; n < SIGNALS_PER_MEMBER; n++) {
        const res = await client.post(`/api/rooms/${m.room}/signal`, { from: m.peer, to: m.partner!.peer, type: 'candidate', data: { from: m.peer, n } });
        expect(res.status, res.text).toBe(202);
      }
    });
    // Each stream gets exactly its partner's signals, in order; nobody else's.
    const signalsOf = (m: Member) => m.stream!.events.filter((e: SseEvent) => e.event === 'signal');
    const complete = () => members.every((m) => signalsOf(m).length >= SIGNALS_PER_MEMBER);
    const deadline = Date.now() + 30_000;
    while (!complete() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const signalMs = Date.now() - started;
    for (const m of members) {
      expect(signalsOf(m).map((e) => e.data)).toEqual(
        Array.from({ length: SIGNALS_PER_MEMBER }, (_, n) => ({ from: m.partner!.peer, type: 'candidate', data: { from: m.partner!.peer, n } })),
      );
    }
    const total = members.reduce((n, m) => n + signalsOf(m).length, 0);
    expect(total).toBe(members.length * SIGNALS_PER_MEMBER);
    console.info(
      `[load] ${members.length} streams in ${rooms.length} rooms opened in ${openMs} ms; ${total} signals delivered in ${signalMs} ms, each once, each to its peer`,
    );
    for (const m of members) m.stream!.close();
  });
});
