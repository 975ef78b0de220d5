import mysql, { type RowDataPacket } from 'mysql2/promise';
import type { Browser, Page } from 'playwright-core';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioOver, callStats, launchBrowser, twoInACall, waitFor, type UserPage } from '../../web/test/browser.js';
import { TestClient } from '../test/client.js';
import { freePort } from '../test/free-port.js';
import { uniquePrefix, uniqueUsername, workerDatabaseUrl, type TestServer } from '../test/harness.js';
import { runParleyProcess, waitForListening, type ParleyProcess } from '../test/process.js';
import { startCaddy, type RunningProxy } from '../test/proxies.js';
import { TEST_REDIS_URL } from '../test/services.js';
import { connected, retryingDmSender } from '../test/dm-sender.js';

/**
 * Scenario 7 of docs/reliability.md: a rolling restart. Two Parley processes
 * behind Caddy with the project's own Caddyfile (deploy/caddy), each on a fixed
 * port. Here Caddy sends everything to the first process that is up (its `first`
 * policy instead of the default spreading), so that everything lands on process
 * 1 first and the test knows where every client is. Process 1 is stopped with
 * SIGTERM and started again, then process 2 the same way: each time every
 * client moves to the other process by itself, without a reload.
 */

const PRESENCE_TIMEOUT_MS = 3000;

let lb: RunningProxy;
let env: Record<string, string>;
const ports: number[] = [];
const procs: ParleyProcess[] = [];
let browser: Browser | undefined;
const cleanups: Array<() => unknown> = [];

async function start(i: number) {
  procs[i] = runParleyProcess({ ...env, PORT: String(ports[i]) });
  await waitForListening(procs[i]!);
}

beforeAll(async () => {
  ports.push(await freePort(), await freePort());
  lb = await startCaddy(ports, { policies: { LB_POLICY: 'first', DM_LB_POLICY: 'first' } });
  env = {
    DATABASE_URL: workerDatabaseUrl(),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniquePrefix(),
    ORIGIN: lb.origin,
    TRUST_PROXY: '1',
    // As in docker-compose.yml: readiness fails, and Caddy stops sending new work, before the process closes.
    SHUTDOWN_DRAIN_DELAY_MS: '1500',
    SIGNUP_MAX_PER_IP: '100000',
    DM_RATE_MAX: '100000',
    // Short, so that the stopped process's presence entries expire during the test: nobody may
    // go offline when they do.
    DM_PRESENCE_TIMEOUT_MS: String(PRESENCE_TIMEOUT_MS),
  };
  // One after the other: the first creates and migrates the database if needed.
  await start(0);
  await start(1);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const p of procs) p.kill('SIGKILL');
  await browser?.close();
  await lb?.close();
});

/**
 * Records, with the time, every text a page's status line shows (the screen's own `p.status`), so that a short "Reconnecting…" is not missed and the moment it cleared is known.
 */
async function recordStatus(page: Page, screen: string) {
  await page.evaluate((selector) => {
    const w = window as unknown as { __statusLog: Array<{ t: number; text: string }> };
    w.__statusLog = [];
    const el = document.querySelector(selector);
    if (!el) throw new Error(`no status line ${selector} on this page`);
    new MutationObserver(() => w.__statusLog.push({ t: Date.now(), text: el.textContent ?? '' })).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  }, screen);
}
const peekStatus = (page: Page) =>
  page.evaluate(() => (window as unknown as { __statusLog: Array<{ t: number; text: string }> }).__statusLog.map((e) => e.text));
const statusLog = (page: Page) => page.evaluate(() => (window as unknown as { __statusLog: Array<{ t: number; text: string }> }).__statusLog.splice(0));
const statusText = (page: Page, screen: string) => page.locator(screen).first().textContent({ timeout: 1000 });

/** When the status line, having shown something, was last cleared. */
function clearedAt(log: Array<{ t: number; text: string }>): number | undefined {
  const last = log.at(-1);
  return log.some((e) => e.text !== '') && last?.text === '' ? last.t : undefined;
}

async function sendDm(page: Page, body: string) {
  await page.getByRole('textbox', { name: 'Message' }).fill(body);
  await page.getByRole('button', { name: 'Send' }).click();
}

const thread = (page: Page) => page.getByRole('log', { name: 'Messages' });

/** The message `body` is shown as sent on the sender's page and has arrived on the recipient's. */
async function delivered(from: Page, to: Page, body: string) {
  const mine = thread(from)
    .locator('li.mine')
    .filter({ has: from.getByText(body, { exact: true }) });
  const sent = (await mine.count()) === 1 && /Sent|Seen/.test((await mine.locator('.state').textContent({ timeout: 1000 })) ?? '');
  return sent && (await thread(to).getByText(body, { exact: true }).count()) === 1;
}

describe('rolling restart of two processes', () => {
  it('after each SIGTERM and restart, DMs, presence, room chat and the call work again within 5 s without a reload; every acked DM is stored once', {
    timeout: 240_000,
  }, async () => {
    const site = { baseUrl: lb.origin } as TestServer;
    // Ann and Bob: each a room tab in a call together, and a DM tab open on the other.
    const { ann: annRoom, bob: bobRoom, room } = await twoInACall(browser!, site, 'roll');
    cleanups.push(
      () => annRoom.context().close(),
      () => bobRoom.context().close(),
    );
    const peersBefore = [(await callStats(annRoom))[0]!.peerId, (await callStats(bobRoom))[0]!.peerId];

    const annDm = (await annRoom.context().newPage()) as UserPage;
    const bobDm = (await bobRoom.context().newPage()) as UserPage;
    // How often each message left Ann's DM page: more than once when it was resent after a reconnection.
    const sends = new Map<string, number>();
    annDm.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        // Engine.IO message, Socket.IO event in /dm with an ack id: 42/dm,7["dm:send",{...}]
        const m = typeof payload === 'string' ? /^42\/dm,\d*\["dm:send",(.*)\]$/.exec(payload) : null;
        const body = m ? (JSON.parse(m[1]!) as { body: string }).body : undefined;
        if (body) sends.set(body, (sends.get(body) ?? 0) + 1);
      }),
    );
    await annDm.goto(`/dm/${bobRoom.username}`);
    await bobDm.goto(`/dm/${annRoom.username}`);
    for (const page of [annDm, bobDm]) await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await sendDm(annDm, 'hello before the restarts');
    await waitFor('the first DM arrives', () => delivered(annDm, bobDm, 'hello before the restarts'), 10_000);
    const onlineIn = async (page: Page) => (await page.locator('.thread-presence').textContent({ timeout: 1000 }))?.toLowerCase();
    expect(await onlineIn(annDm)).toBe('online');
    expect(await onlineIn(bobDm)).toBe('online');

    // Scripted senders through the balancer, sending all along.
    const owner = new TestClient(lb.origin, lb.origin);
    await owner.signup(uniqueUsername('sender'));
    const cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const sockets = [0, 1].map(() => {
      const s = connect(`${lb.origin}/dm`, { transports: ['websocket'], extraHeaders: { origin: lb.origin, cookie }, forceNew: true });
      cleanups.push(() => s.disconnect());
      return s;
    });
    await Promise.all(sockets.map(connected));
    const reconnects: number[] = [];
    for (const s of sockets) s.io.on('reconnect', () => reconnects.push(Date.now()));
    const senders = sockets.map((s, i) => retryingDmSender(s, (i ? annRoom : bobRoom).username, `roll${i}`, { ackTimeoutMs: 3000, pauseMs: 40 }));

    const dmPages = [annDm, bobDm];
    const roomPages = [annRoom, bobRoom];
    const pageDms: string[] = ['hello before the restarts'];
    const figures: string[] = [];
    for (const i of [0, 1]) {
      const label = `process ${i + 1}`;
      // The clients' streams are on this process now.
      expect(procs[i]!.stdout()).toContain('/events"');
      for (const page of dmPages) await recordStatus(page, '.dm > p.status');
      for (const page of roomPages) await recordStatus(page, '.room-screen > p.status');
      reconnects.length = 0;

      // A message leaves Ann's page as the process stops, and one follows while her page reconnects.
      const atStop = `sent as ${label} stops`;
      const during = `sent while ${label} drains`;
      const sigterm = Date.now();
      procs[i]!.kill('SIGTERM');
      await sendDm(annDm, atStop);
      await new Promise((r) => setTimeout(r, 150));
      await sendDm(annDm, during);
      pageDms.push(atStop, during);
      const code = await procs[i]!.exit;
      const stoppedAfter = Date.now() - sigterm;
      expect(code, procs[i]!.stderr()).toBe(0);
      // The drain delay, then well within the 8 s grace period: kept-alive connections do not hold the stop up.
      expect(stoppedAfter).toBeLessThan(4500);

      // Every client has left for the other process before this one comes back: otherwise a
      // client whose reconnection (0.5-1.5 s of backoff) came after the restart would be back on
      // this same process, and the next restart, of the other process, would not touch it.
      await waitFor(
        `clients moved off ${label}`,
        async () => {
          const logs = await Promise.all(dmPages.map(peekStatus));
          return logs.every((l) => l.includes('Reconnecting…') && l.at(-1) === '') && sockets.every((s) => s.connected);
        },
        10_000,
      );

      await start(i);
      const restarted = Date.now();
      // Everything below must work within 5 s of the restart, without a reload.
      const check = (what: string, probe: () => Promise<unknown>) =>
        waitFor(`${what} after ${label} restarted`, async () => Boolean(await probe()), restarted + 5000 - Date.now());
      const blank = async (pages: Page[], screen: string) => (await Promise.all(pages.map((p) => statusText(p, screen)))).every((t) => t === '');
      await Promise.all([
        check('DM pages reconnected', () => blank(dmPages, '.dm > p.status')),
        check('room streams back', () => blank(roomPages, '.room-screen > p.status')),
        check('DMs sent during the stop delivered', async () => (await delivered(annDm, bobDm, atStop)) && (await delivered(annDm, bobDm, during))),
        check('scripted sockets reconnected', async () => sockets.every((s) => s.connected)),
      ]);
      // New traffic, both ways.
      const fresh = `Ann again once ${label} is back`;
      const reply = `Bob answers once ${label} is back`;
      await sendDm(annDm, fresh);
      await sendDm(bobDm, reply);
      pageDms.push(fresh);
      const chat = `room chat once ${label} is back`;
      const chatBox = annRoom.getByRole('region', { name: 'Chat' });
      await chatBox.getByRole('textbox', { name: 'Message' }).fill(chat);
      await chatBox.getByRole('button', { name: 'Send' }).click();
      await Promise.all([
        check('new DMs both ways', async () => (await delivered(annDm, bobDm, fresh)) && (await delivered(bobDm, annDm, reply))),
        check('room chat', async () => (await bobRoom.getByRole('log', { name: 'Room chat' }).getByText(chat, { exact: true }).count()) === 1),
        check('presence online', async () => (await onlineIn(annDm)) === 'online' && (await onlineIn(bobDm)) === 'online'),
        check('call audio', async () => {
          const flow = (await Promise.all(roomPages.map((p) => audioOver(p, 400)))).flat();
          return flow.length === 2 && flow.every((f) => f.bytes > 300 && f.energy > 0.00001);
        }),
      ]);
      const workingAfter = Date.now() - restarted;

      // The pages said they were reconnecting, and stopped saying it once back.
      const dmLogs = await Promise.all(dmPages.map(statusLog));
      const roomLogs = await Promise.all(roomPages.map(statusLog));
      for (const log of dmLogs) expect(log.map((e) => e.text)).toContain('Reconnecting…');
      // A page whose stream came back before its status line showed anything has no time to report.
      const back = (logs: typeof dmLogs) => {
        const times = logs.map(clearedAt).filter((t): t is number => t !== undefined);
        return times.length === logs.length
          ? `${Math.max(...times) - sigterm}`
          : `(${times.length} of ${logs.length} showed a status) ${times.length ? Math.max(...times) - sigterm : '–'}`;
      };
      // The stopped process's presence entries expire meanwhile: that must not take anyone offline.
      await new Promise((r) => setTimeout(r, PRESENCE_TIMEOUT_MS + 1000));
      expect(await onlineIn(annDm)).toBe('online');
      expect(await onlineIn(bobDm)).toBe('online');
      const found = await owner.get(`/api/users?q=${annRoom.username}`);
      expect(found.body.users.find((u: { username: string }) => u.username === annRoom.username)?.online).toBe(true);

      figures.push(
        `${label}: stopped ${stoppedAfter} ms after SIGTERM, listening again after ${restarted - sigterm} ms; ` +
          `DM pages back after ${back(dmLogs)} ms, room streams after ${back(roomLogs)} ms, scripted sockets after ${Math.max(...reconnects) - sigterm} ms ` +
          `(all after SIGTERM); everything checked working ${workingAfter} ms after the restart`,
      );
    }

    // Both call members are the same peers as before, still in the room: nobody was swept or rejoined.
    expect([(await callStats(annRoom))[0]!.peerId, (await callStats(bobRoom))[0]!.peerId]).toEqual(peersBefore);
    const members = await owner.get(`/api/rooms/${room}`);
    expect(members.body.members.map((m: { peerId: string }) => m.peerId).sort()).toEqual([...peersBefore].sort());
    for (const page of [annRoom, bobRoom]) expect((await callStats(page))[0]!.state).toBe('connected');

    for (const s of senders) s.stop();
    await Promise.all(senders.map((s) => s.done));
    const conn = await mysql.createConnection({ uri: workerDatabaseUrl() });
    try {
      // Every scripted message acked is stored exactly once, under the acked id.
      const [rows] = await conn.query<RowDataPacket[]>(
        "SELECT client_id, COUNT(*) AS n, MIN(id) AS id FROM direct_messages WHERE client_id LIKE 'roll%' GROUP BY client_id",
      );
      const stored = new Map(rows.map((r) => [String(r.client_id), { n: Number(r.n), id: Number(r.id) }]));
      let acked = 0;
      for (const s of senders) {
        for (const [clientId, id] of s.acked) {
          acked += 1;
          expect(stored.get(clientId), clientId).toEqual({ n: 1, id });
        }
      }
      expect(rows.length).toBe(acked);
      // Each message sent from Ann's page, resent or not, is one row.
      const [pageRows] = await conn.query<RowDataPacket[]>(
        'SELECT m.body, COUNT(*) AS n FROM direct_messages m JOIN users u ON u.id = m.sender_id WHERE u.username = ? GROUP BY m.body',
        [annRoom.username],
      );
      expect(Object.fromEntries(pageRows.map((r) => [String(r.body), Number(r.n)]))).toEqual(Object.fromEntries(pageDms.map((b) => [b, 1])));
      const resends = senders.reduce((n, s) => n + s.retries(), 0);
      const resent = [...sends.values()].filter((n) => n > 1).length;
      console.info(
        `[restart] ${figures.join('; ')}; ${acked} scripted DMs acked (${resends} resends), ` +
          `${pageDms.length} from the page (${resent} resent by the page after reconnecting), each stored once`,
      );
    } finally {
      await conn.end();
    }
    const pages = [annRoom, bobRoom, annDm, bobDm];
    expect(pages.flatMap((p) => p.problems ?? []).filter((p) => !/ERR_CONNECTION|net::|WebSocket|EventSource/i.test(p))).toEqual([]);
  });
});
