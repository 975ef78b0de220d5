import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../db/schema.js';
import { startTestServer, uniqueUsername, type TestServer } from '../test/harness.js';
import type { TestClient } from '../test/client.js';

/**
 * Generated hostile input against every Accounts route: whatever arrives,
 * the answer is a 2xx or a 4xx in the error shape, never a 5xx, and no
 * invalid signup writes a row.
 */

let server: TestServer;
let signedIn: TestClient;
beforeAll(async () => {
  server = await startTestServer({ SIGNUP_MAX_PER_IP: '100000', LOGIN_MAX_PER_IP: '100000', LOGIN_MAX_PER_USERNAME: '100000' });
  signedIn = server.client();
  await signedIn.signup(uniqueUsername('fuzz'));
});
afterAll(async () => {
  await server?.stop();
});

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    '<script>alert(1)</script>',
    '\u0000\u0001\u001f',
    '\u202Eevil',
    '🎧'.repeat(70),
    'a'.repeat(300),
    '',
    ' ',
  ),
);
const jsonValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 4 }));
const body = fc.oneof(fc.record({ username: jsonValue, password: jsonValue, displayName: jsonValue }, { requiredKeys: [] }), jsonValue);
const rawText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  body.map((b) => JSON.stringify(b) ?? ''),
);

function expectClientErrorShape(status: number, json: unknown) {
  expect(status).toBeLessThan(500);
  if (status >= 400) expect(json).toMatchObject({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } });
}

describe('hostile input on the Accounts routes', () => {
  it.each([
    ['POST', '/api/auth/signup'],
    ['POST', '/api/auth/login'],
    ['PATCH', '/api/me'],
    ['POST', '/api/me/password'],
    ['DELETE', '/api/me'],
  ])('%s %s never answers 5xx to generated JSON bodies', async (method, path) => {
    const before = (await server.database.db.select({ id: users.id }).from(users)).length;
    let created = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await signedIn.request(method, path, { json: b });
        if (res.status === 201) created += 1;
        expectClientErrorShape(res.status, res.body);
      }),
      { numRuns: 150 },
    );
    const after = (await server.database.db.select({ id: users.id }).from(users)).length;
    expect(after - before).toBe(created);
  });

  it('never answers 5xx to raw text of any shape', async () => {
    await fc.assert(
      fc.asyncProperty(rawText, fc.constantFrom('/api/auth/signup', '/api/auth/login', '/api/me'), async (text, path) => {
        const res = await signedIn.request(path === '/api/me' ? 'PATCH' : 'POST', path, {
          body: text,
          headers: { 'content-type': 'application/json' },
        });
        expectClientErrorShape(res.status, res.body);
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to generated search queries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (q) => {
        const res = await signedIn.get(`/api/users?q=${encodeURIComponent(q)}`);
        expectClientErrorShape(res.status, res.body);
      }),
      { numRuns: 150 },
    );
  });
});

describe('hostile input on the Rooms and direct-message routes', () => {
  it('never answers 5xx to generated bodies and path names on every room and DM route', async () => {
    // A real room with a real member, so that generated input also reaches the deeper checks.
    const room = `fuzz-${uniqueUsername('r').replace(/[^a-z0-9_-]/g, '')}`.slice(0, 40);
    expect((await signedIn.post('/api/rooms', { name: room })).status).toBe(201);
    const peerId = (await signedIn.post(`/api/rooms/${room}/join`, {})).body.peerId as string;
    const rawName = fc.oneof(fc.constant(room), fc.string({ unit: 'binary', maxLength: 70 }));
    const roomBody = fc.oneof(
      body,
      fc.record(
        {
          from: fc.oneof(fc.constant(peerId), jsonValue),
          to: fc.oneof(fc.constant(peerId), jsonValue),
          type: fc.oneof(fc.constantFrom('offer', 'state', 'candidate'), jsonValue),
          data: jsonValue,
          body: jsonValue,
          peerId: jsonValue,
          name: jsonValue,
          password: jsonValue,
          capacity: jsonValue,
          username: jsonValue,
        },
        { requiredKeys: [] },
      ),
    );
    const routes = [
      ['POST', () => '/api/rooms'],
      ['GET', (n: string) => `/api/rooms/${n}`],
      ['POST', (n: string) => `/api/rooms/${n}/join`],
      ['POST', (n: string) => `/api/rooms/${n}/signal`],
      ['POST', (n: string) => `/api/rooms/${n}/messages`],
      ['GET', (n: string) => `/api/rooms/${n}/messages`],
      ['POST', (n: string) => `/api/rooms/${n}/leave`],
      ['POST', (n: string) => `/api/rooms/${n}/remove`],
      ['PATCH', (n: string) => `/api/rooms/${n}`],
      ['POST', (n: string) => `/api/rooms/${n}/invites`],
      ['GET', (n: string) => `/api/dm/${n}/messages?before=${encodeURIComponent(n)}&limit=${encodeURIComponent(n)}`],
      ['POST', (n: string) => `/api/users/${n}/block`],
      ['DELETE', (n: string) => `/api/users/${n}/block`],
      ['DELETE', (n: string) => `/api/me/sessions/${n}`],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), rawName, roomBody, async ([method, path], name, b) => {
        const res = await signedIn.request(method, path(encodeURIComponent(name)), {
          json: method === 'GET' || method === 'DELETE' ? undefined : b,
        });
        expectClientErrorShape(res.status, res.body);
      }),
      { numRuns: 400 },
    );
    // The owner's routes hold refusals for up to a second once their budget is spent (by design, to
    // slow a script down), and the fuzz spends it: the time this takes is that, not slowness.
  }, 120_000);
});
