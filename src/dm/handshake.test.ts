import { Manager, io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connected, dmSocket } from '../test/dm-helpers.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { person, type Person } from '../test/rooms-helpers.js';

/** The /dm handshake as third-party clients meet it, and the namespaces nobody may join. */

let server: TestServer;
const closers: Array<() => void> = [];
beforeAll(async () => {
  server = await startTestServer({ DM_CONNECT_TIMEOUT_MS: '1000' });
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
afterAll(async () => {
  await server?.stop();
});

const cookieOf = (p: Person) => [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

/** A /dm socket with exactly these handshake headers; resolves on connect, rejects with the refusal. */
function handshake(headers: Record<string, string | string[]>): Promise<Socket> {
  const socket = connect(`${server.baseUrl}/dm`, {
    transports: ['websocket'],
    extraHeaders: headers as Record<string, string>,
    reconnection: false,
    forceNew: true,
  });
  closers.push(() => socket.disconnect());
  return connected(socket);
}

async function refusal(headers: Record<string, string | string[]>): Promise<{ message: string; data?: { code: string; message: string } }> {
  const outcome = await handshake(headers).then(
    () => ({ message: 'connected' }),
    (err: Error & { data?: { code: string; message: string } }) => ({ message: err.message, data: err.data }),
  );
  return outcome;
}

describe('the /dm handshake', () => {
  it('answers unauthenticated when there is no cookie, whatever the Origin', async () => {
    const variants: Array<Record<string, string>> = [{}, { origin: server.config.origin }, { origin: 'https://evil.example' }];
    for (const headers of variants) {
      const r = await refusal(headers);
      expect(r.message).toBe('unauthenticated');
      expect(r.data).toEqual({ code: 'unauthenticated', message: expect.stringMatching(/session cookie/) });
    }
  });

  it('refuses a session cookie sent from another origin, or with none, as forbidden_origin', async () => {
    const p = await person(server);
    for (const origin of ['https://evil.example', 'null', undefined]) {
      const r = await refusal(origin ? { cookie: cookieOf(p), origin } : { cookie: cookieOf(p) });
      expect([origin, r.message]).toEqual([origin, 'forbidden_origin']);
    }
  });

  it('compares serialised origins: another case or a trailing slash is the same origin', async () => {
    const p = await person(server);
    for (const origin of [server.config.origin.toUpperCase(), `${server.config.origin}/`]) {
      const socket = await handshake({ cookie: cookieOf(p), origin });
      expect(socket.connected).toBe(true);
    }
  });

  it('answers two Origin headers with duplicate_origin and a message saying so', async () => {
    const p = await person(server);
    const r = await refusal({ cookie: cookieOf(p), origin: [server.config.origin, server.config.origin] });
    expect(r.message).toBe('duplicate_origin');
    expect(r.data?.message).toMatch(/more than one Origin header/);
  });
});

describe('namespaces other than /dm', () => {
  /** Resolves when the engine connection under `manager` closes. */
  const closed = (manager: Manager) => new Promise<void>((resolve) => manager.once('close', () => resolve()));

  /**
   * An engine connection that behaves like a hostile script: it asks for the default namespace
   * and never closes anything itself (socket.io-client would close a connection whose only
   * namespace was refused, which would hide what the server does).
   */
  function bareManager(): Manager {
    const manager = new Manager(server.baseUrl, { transports: ['websocket'], reconnection: false, autoConnect: false });
    closers.push(() => manager.engine?.close());
    return manager;
  }
  const opened = (manager: Manager) => new Promise<void>((resolve, reject) => manager.open((err) => (err ? reject(err) : resolve())));

  it('refuses the default namespace, and closes connections that stay on it within the connect timeout', async () => {
    const socket = connect(server.baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true });
    closers.push(() => socket.disconnect());
    await expect(connected(socket)).rejects.toThrow('invalid_namespace');

    const managers = Array.from({ length: 20 }, bareManager);
    const ends = managers.map(closed);
    await Promise.all(managers.map(opened));
    const refusals = managers.map(
      (m) =>
        new Promise<string>((resolve) =>
          m.engine.on('message', (data) => {
            if (String(data).startsWith('4')) resolve(String(data));
          }),
        ),
    );
    // A Socket.IO CONNECT packet for "/", with no cookie and no Origin.
    for (const m of managers) m.engine.send('0');
    for (const answer of await Promise.all(refusals)) expect(answer).toMatch(/^4.*invalid_namespace/);
    // DM_CONNECT_TIMEOUT_MS is 1 s here; the bound leaves room for a loaded machine.
    await withTimeout(Promise.all(ends), 8000, 'connections refused on / were still open');
  });

  it('closes an engine connection that joins no namespace at all, and one refused on /dm', async () => {
    const bare = bareManager();
    const refused = bareManager();
    const ends = [closed(bare), closed(refused)];
    await Promise.all([opened(bare), opened(refused)]);
    const refusal = new Promise<string>((resolve) => refused.engine.on('message', (data) => resolve(String(data))));
    // A Socket.IO CONNECT packet for "/dm", without a cookie.
    refused.engine.send('0/dm,');
    expect(await refusal).toMatch(/^4\/dm,.*unauthenticated/);
    await withTimeout(Promise.all(ends), 8000, 'a connection without a namespace was still open');
  });

  it('still serves /dm to a signed-in browser tab', async () => {
    const p = await person(server);
    const socket = dmSocket(p);
    closers.push(() => socket.disconnect());
    await connected(socket);
    expect(socket.connected).toBe(true);
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([promise.finally(() => clearTimeout(timer)), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)))]);
}
