import net from 'node:net';
import fc from 'fast-check';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import type { TestClient } from '../test/client.js';
import { watchFaults } from '../test/fault-watch.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { createRoom, join, person, uniqueRoomName, type Person } from '../test/rooms-helpers.js';

/**
 * "Hostile input": thousands of generated requests against every HTTP route
 * of docs/api.md. Whatever arrives, the answer is below 500, every 4xx of
 * the API is `{error: {code, message}}` with a code the docs list for that
 * status, the process neither logs an unhandled error nor sees an unhandled
 * rejection or exception, and the tables hold exactly the rows that the
 * accepted requests wrote.
 */

// ---------------------------------------------------------------------------------------------
// The server, its log, and what went wrong in this process while the fuzz ran.

const watch = watchFaults();

let server: TestServer;
let owner: Person; // owns the main and the locked room; never used by the fuzz
let fuzzer: Person; // the signed-in account the fuzz speaks as; holds a peer in the main room
let target: Person; // someone to look at, write to and block
let guest: TestClient; // signs up, logs in and out at random
let mainRoom: string;
let lockedRoom: string;
let ownerPeer: string;
let fuzzPeer: string;

const BODY_LIMIT = 128 * 1024;
const SIGNAL_LIMIT = 64 * 1024;

/** Every input sent, per route family; the last test checks the total and that nothing was skipped. */
const sent = new Map<string, number>();
const count = (what: string, n = 1) => sent.set(what, (sent.get(what) ?? 0) + n);
/** The statuses each family got, to show the fuzz reached the accepting paths too. */
const statuses = new Map<string, Map<number, number>>();
function tally(family: string, status: number) {
  const m = statuses.get(family) ?? new Map<number, number>();
  m.set(status, (m.get(status) ?? 0) + 1);
  statuses.set(family, m);
}
const saw = (family: string, status: number) => statuses.get(family)?.get(status) ?? 0;

/** What the accepted requests wrote, to compare with the tables afterwards. */
const wrote = { users: 0, rooms: 0, roomMessages: 0 };

type Counts = { users: number; rooms: number; roomMessages: number; directMessages: number; userBlocks: number; conversations: number };
async function rowCounts(): Promise<Counts> {
  const [rows] = await server.database.pool.query<RowDataPacket[]>(
    `SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM rooms) AS rooms,
            (SELECT COUNT(*) FROM room_messages) AS roomMessages, (SELECT COUNT(*) FROM direct_messages) AS directMessages,
            (SELECT COUNT(*) FROM user_blocks) AS userBlocks, (SELECT COUNT(*) FROM dm_conversations) AS conversations`,
  );
  const r = rows[0]!;
  return {
    users: Number(r.users),
    rooms: Number(r.rooms),
    roomMessages: Number(r.roomMessages),
    directMessages: Number(r.directMessages),
    userBlocks: Number(r.userBlocks),
    conversations: Number(r.conversations),
  };
}
let before: Counts;

beforeAll(async () => {
  watch.start();
  server = await startTestServer(
    {
      LOGIN_MAX_PER_IP: '1000000',
      LOGIN_MAX_PER_USERNAME: '1000000',
      SIGNUP_MAX_PER_IP: '1000000',
      // The fuzz sends far more joins and signals than a person would; the budgets have their tests.
      ROOM_JOIN_MAX: '1000000',
      ROOM_SIGNAL_MAX: '1000000',
      ROOM_STATE_MAX: '1000000',
      // The fuzz's peers open no stream for most of the run; they must not time out meanwhile.
      ROOM_MEMBER_TIMEOUT_MS: '600000',
    },
    createLogger('error', watch.log),
  );
  owner = await person(server, 'own');
  fuzzer = await person(server, 'fz');
  target = await person(server, 'tg');
  guest = server.client();
  mainRoom = uniqueRoomName('main');
  lockedRoom = uniqueRoomName('locked');
  await createRoom(owner, mainRoom);
  await createRoom(owner, lockedRoom, { password: 'open sesame' });
  ownerPeer = await join(owner, mainRoom);
  fuzzPeer = await join(fuzzer, mainRoom);
  before = await rowCounts();
});

afterAll(async () => {
  await server?.stop();
  watch.stop();
});

// ---------------------------------------------------------------------------------------------
// Sending a request and judging its answer.

type Req = {
  method: string;
  path: string;
  /** Whose cookies go with the request (none when null). */
  as?: TestClient | null;
  /** A Cookie header sent instead of the client's cookies. */
  cookie?: string;
  /** The Origin header; the server's own unless given (null: none). */
  origin?: string | null;
  /** The Content-Type header; application/json when there is a body, unless given (null: none). */
  contentType?: string | null;
  body?: string | Uint8Array;
  /** Send the body as a chunked stream, with no Content-Length. */
  chunked?: boolean;
  headers?: Record<string, string>;
};
type Answer = { status: number; contentType: string; text: string; json: any };

async function send(req: Req): Promise<Answer> {
  const headers: Record<string, string> = {};
  const origin = req.origin === undefined ? server.config.origin : req.origin;
  if (origin !== null) headers.origin = origin;
  const client = req.as === undefined ? fuzzer.client : req.as;
  if (req.cookie !== undefined) headers.cookie = req.cookie;
  else if (client && client.cookies.size > 0) headers.cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const contentType = req.contentType === undefined ? (req.body === undefined ? null : 'application/json') : req.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  Object.assign(headers, req.headers);
  let body = req.body as BodyInit | undefined;
  if (req.chunked && req.body !== undefined) {
    const bytes = typeof req.body === 'string' ? new TextEncoder().encode(req.body) : req.body;
    body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.slice(i, i + 16 * 1024));
        controller.close();
      },
    });
  }
  const res = await fetch(server.baseUrl + req.path, {
    method: req.method,
    headers,
    body,
    redirect: 'manual',
    ...(req.chunked ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let json: unknown;
  if (type.includes('application/json') && req.method !== 'HEAD') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${req.method} ${req.path}: ${res.status} with a JSON content type and a body that is not JSON`);
    }
  }
  return { status: res.status, contentType: type, text, json };
}

/** The error codes docs/api.md gives for each client-error status. */
const DOCUMENTED: Record<number, string[]> = {
  400: ['invalid_input', 'invalid_room_name', 'duplicate_origin'],
  401: ['unauthenticated', 'invalid_credentials'],
  403: ['forbidden_origin', 'wrong_password', 'not_a_member', 'not_room_owner'],
  404: ['not_found', 'room_not_found', 'peer_not_found', 'unknown_user'],
  409: ['username_taken', 'room_exists', 'room_full', 'not_in_call', 'peer_not_in_call', 'too_many_peers'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  429: ['too_many_attempts', 'rate_limited'],
  // Headers over Node's limit: answered by src/http/client-error.ts with the 413 code.
  431: ['payload_too_large'],
};

/** Throws (so fast-check shrinks and reports the input) unless the answer is acceptable. */
function judge(req: Pick<Req, 'method' | 'path'>, ans: Answer): void {
  const where = `${req.method} ${req.path.slice(0, 200)} -> ${ans.status} ${ans.text.slice(0, 300)}`;
  if (ans.status >= 500) throw new Error(`server error: ${where}`);
  if (ans.status < 400 || req.method === 'HEAD' || !req.path.startsWith('/api')) return;
  const error = ans.json?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string' || error.message === '') {
    throw new Error(`client error without the error shape: ${where}`);
  }
  if (!(DOCUMENTED[ans.status] ?? []).includes(error.code)) throw new Error(`undocumented status/code pair: ${where}`);
}

async function sendAndJudge(req: Req, family: string): Promise<Answer> {
  count(family);
  const ans = await send(req);
  tally(family, ans.status);
  judge(req, ans);
  return ans;
}

/**
 * Runs `numRuns` generated inputs, `parallel` at a time (as a browser with
 * several tabs would). fast-check still shrinks a failing batch to the
 * smallest failing input.
 */
async function fuzz<T>(arb: fc.Arbitrary<T>, numRuns: number, run: (input: T) => Promise<void>, parallel = 6) {
  if (parallel <= 1) {
    await fc.assert(fc.asyncProperty(arb, run), { numRuns });
    return;
  }
  await fc.assert(
    fc.asyncProperty(fc.array(arb, { minLength: 1, maxLength: parallel }), async (inputs) => {
      await Promise.all(inputs.map(run));
    }),
    { numRuns: Math.ceil(numRuns / ((1 + parallel) / 2)) },
  );
}

// ---------------------------------------------------------------------------------------------
// Generators.

/** Percent-encodes every byte of `s` (as UTF-8; lone surrogates become U+FFFD) except unreserved ASCII. */
function pct(s: string | Uint8Array): string {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  let out = '';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9_.~-]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const ATTACKS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  "x'); DELETE FROM rooms; --",
  "' UNION SELECT password_hash, id FROM users --",
  '1 AND SLEEP(5)',
  "admin'#",
  '%_%',
  '\\',
  "\\'",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(document.cookie)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, taken literally on purpose.
  '{{7*7}}${7*7}<%= 7*7 %>',
  '__proto__',
  'constructor',
  '\u0000',
  'a\u0000b',
  '\u0001\u0008\u001b[31m\u007f',
  '\r\nSet-Cookie: x=1',
  '\t',
  '\u2028\u2029',
  '\u202Egnp.exe',
  '\u2066x\u2069',
  '\uFEFF',
  '\uD800',
  'a\uDFFFb',
  '\uFFFE\uFFFF',
  '\u00A0\u3000',
  '🎧'.repeat(65),
  'ǅ'.repeat(33),
  'İSTANBUL',
  'K',
  '../../etc/passwd',
  '%00',
  '%FF%FE',
  '%',
  'null',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '0x1F',
  ' ',
  '',
];
const attack = fc.constantFrom(...ATTACKS);
/** UTF-16 code units, lone surrogates included. */
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: codeUnits },
  { weight: 3, arbitrary: attack },
  { weight: 1, arbitrary: fc.tuple(attack, fc.string({ maxLength: 10 }), attack).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((n) => 'x'.repeat(n)) },
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1, 1.5, 2, 8, 16, 17, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324),
);
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor')), jsonValueLeaf(), { maxKeys: 3 }) },
);
function jsonValueLeaf() {
  return fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
}
/** Raw number literals JSON.stringify never writes. */
const rawNumber = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-0', '0.1e-400', '2.0', '1E1', '00', '+1', '.5', 'Infinity', 'NaN');

/** Values shaped like the real thing, so generated input also gets past the first checks. */
const usernameLike = () =>
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/),
    fc.constantFrom(fuzzer.username, target.username, owner.username, target.username.toUpperCase(), ` ${target.username}`, `${owner.username}\u0000`),
  );
const roomLike = () =>
  fc.oneof(
    fc.stringMatching(/^[ A-Za-z0-9_\t-]{0,70}$/),
    fc.constantFrom(mainRoom, lockedRoom, mainRoom.toUpperCase(), `  ${mainRoom}  `, `${mainRoom}\u0000`, 'no-such-room'),
  );
const peerLike = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(fuzzPeer, ownerPeer) },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{20,24}$/) },
    { weight: 1, arbitrary: fc.constantFrom(`${fuzzPeer} `, fuzzPeer.toLowerCase(), `${fuzzPeer}\u0000`, fuzzPeer.slice(1)) },
  );

/** A field value: hostile most of the time, plausible some of the time, absent now and then. */
const field = <T>(plausible: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: jsonValue }, { weight: 2, arbitrary: plausible });

/** A path segment for `:name` / `:username`: plausible names, hostile text, or bytes that are not UTF-8. */
const segment = (plausible: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: plausible.map(pct) },
    { weight: 3, arbitrary: hostileString.filter((s) => s.length > 0).map(pct) },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 24 }).map(pct) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%G0', '%FF', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%E2%82', '..', '.', '%2E%2E', '%2F') },
  );
/** A query-string value, as hostile as a segment, sometimes badly percent-encoded. */
const queryValue = (plausible: fc.Arbitrary<string>) => fc.oneof(segment(plausible), fc.constantFrom('', '%', '%%', '+', '&', '=', '%26x%3D1', '%0A', '%00'));

/** Bodies as bytes: JSON of generated values, raw JSON text with odd numbers, broken text, non-UTF-8 bytes. */
const rawBody = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: value.map((v) => JSON.stringify(v) ?? 'undefined') },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('capacity', 'upTo', 'limit', 'username', 'displayName', 'data'), rawNumber).map(([k, n]) => `{"${k}": ${n}}`),
    },
    { weight: 1, arbitrary: value.map((v) => (JSON.stringify(v) ?? '').slice(0, -1)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }) },
    { weight: 1, arbitrary: value.map((v) => invalidUtf8Inside(JSON.stringify(v) ?? 'null')) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        'null',
        '{}',
        '[]',
        '""',
        '{"a":1,"a":2}',
        '{"__proto__":{"admin":true}}',
        '\uFEFF{}',
        '{"x":"\\ud800"}',
        '{"x":"\\u0000"}',
      ),
    },
  );
/** The JSON text with bytes that are not UTF-8 put in the middle of it. */
function invalidUtf8Inside(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  const at = Math.floor(bytes.length / 2);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80]), bytes.subarray(at)]);
}

/** docs/api.md: a body must be application/json (else 415) and UTF-8 JSON (else 400). */
const isJsonType = (type: string | null) => type !== null && /^application\/json\s*(;|$)/i.test(type);
function isUtf8Json(body: string | Uint8Array | undefined): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(typeof body === 'string' ? Buffer.from(body) : (body ?? new Uint8Array())));
    return true;
  } catch {
    return false;
  }
}
/** For routes that read their body before anything else: the 415 and the 400 for text that is not JSON. */
function expectBodyChecks(type: string | null, body: string | Uint8Array | undefined, status: number) {
  if (!isJsonType(type)) expect(status).toBe(415);
  else if (!isUtf8Json(body)) expect(status).toBe(400);
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON;charset=UTF-8',
  'application/json;charset=latin1',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  'application/json-patch+json',
  'application/xml',
  'json',
  ';',
  '',
  '\u00ff\u00fe',
];
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Header values fetch can send: any Latin-1 byte but NUL, CR and LF (so bytes that are not UTF-8 too). */
const headerText = fc
  .string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: 120,
  })
  .map((s) => s.trim());
const realCookie = () => [...fuzzer.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
const garbageCookie = () =>
  fc.oneof(
    headerText,
    headerText.map((v) => `parley_session=${v}`),
    fc.stringMatching(/^[a-z2-7]{32}$/).map((t) => `parley_session=${t}`),
    fc.constantFrom(
      'parley_session=',
      'parley_session',
      '=;=;=',
      'parley_session=%',
      'parley_session=%FF%FE',
      'parley_session="unterminated',
      `parley_session=${'a'.repeat(4000)}`,
      'parley_session=x; parley_session=y',
      '__Host-parley_session=abc',
      'parley_session=\u00ff\u00fe\u00fd',
      ';;;;',
    ),
  );

// ---------------------------------------------------------------------------------------------
// The fuzz, route by route.

describe('hostile input on every HTTP route', () => {
  it('accounts: signup, login and logout never fail on generated bodies, cookies and content types', async () => {
    const signupBody = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          { username: field(usernameLike()), password: field(fc.string({ maxLength: 300 })), displayName: field(hostileString) },
          { requiredKeys: [] },
        ),
      },
      {
        // Valid-looking signups (some names taken) cost an argon2 hash each: a few, not many.
        weight: 2,
        arbitrary: fc.record({
          username: fc.integer({ min: 0, max: 200 }).map((n) => `fzsign${process.pid}_${n}`),
          password: fc.oneof(
            { weight: 3, arbitrary: fc.string({ minLength: 8, maxLength: 20 }) },
            { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 7 }), fc.constant('x'.repeat(257))) },
          ),
          displayName: fc.oneof(fc.constant(undefined), hostileString),
        }),
      },
      { weight: 1, arbitrary: jsonValue },
    );
    const loginBody = fc.oneof(
      { weight: 4, arbitrary: fc.record({ username: field(usernameLike()), password: jsonValue }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: jsonValue },
    );
    const input = fc.oneof(
      fc.record({ path: fc.constant('/api/auth/signup'), body: rawBody(signupBody), type: contentType }),
      fc.record({ path: fc.constant('/api/auth/login'), body: rawBody(loginBody), type: contentType }),
      fc.record({
        path: fc.constant('/api/auth/logout'),
        body: fc.oneof(fc.constant(undefined), rawBody(jsonValue)),
        type: contentType,
        cookie: garbageCookie(),
      }),
    );
    await fuzz(input, 900, async ({ path, body, type, cookie }: { path: string; body?: string | Uint8Array; type: string | null; cookie?: string }) => {
      const ans = await sendAndJudge({ method: 'POST', path, body, contentType: type, as: guest, cookie }, 'accounts');
      if (path === '/api/auth/signup' && ans.status === 201) wrote.users += 1;
      if (path !== '/api/auth/logout') expectBodyChecks(type, body, ans.status);
      // A garbage cookie must never have signed anyone out but its own (non-existent) session.
      if (path === '/api/auth/logout') expect(ans.status).toBe(401);
    });
  });

  it('me, users search, health, ice servers, room list and conversations never fail on hostile queries and cookies', async () => {
    const input = fc.record({
      route: fc.constantFrom('/api/me', '/api/users', '/api/health', '/api/ice-servers', '/api/rooms', '/api/dm/conversations'),
      query: fc.oneof(
        fc.constant(''),
        queryValue(fc.stringMatching(/^[ A-Za-z0-9_.-]{0,40}$/)).map((q) => `?q=${q}`),
        fc.tuple(queryValue(usernameLike()), queryValue(usernameLike())).map(([a, b]) => `?q=${a}&q=${b}`),
        fc.constantFrom('?q', '?q=', '?=', '?&&', '?q=%', `?q=${'a'.repeat(5000)}`, '?q=a%00', '?q[]=a', '?q[a]=b'),
      ),
      cookie: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: garbageCookie() },
        // The real session next to a forged one, in either order.
        {
          weight: 1,
          arbitrary: fc
            .tuple(headerText, fc.boolean())
            .map(([v, first]) => (first ? `parley_session=${v}; ${realCookie()}` : `${realCookie()}; parley_session=${v}`)),
        },
      ),
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'OPTIONS'),
    });
    await fuzz(input, 1300, async ({ route, query, cookie, method }) => {
      const ans = await sendAndJudge({ method, path: route + query, cookie }, 'reads');
      if (cookie === undefined && method === 'GET' && ans.status !== 200) {
        // Signed in, only the search can refuse its query.
        expect(route).toBe('/api/users');
        expect(ans.status).toBe(400);
      }
    });
    // PATCH /api/me: every generated displayName, as JSON and as hostile raw bodies.
    const patch = fc.record({
      body: rawBody(fc.oneof(fc.record({ displayName: field(hostileString) }, { requiredKeys: [] }), jsonValue)),
      type: contentType,
    });
    await fuzz(patch, 700, async ({ body, type }) => {
      const ans = await sendAndJudge({ method: 'PATCH', path: '/api/me', body, contentType: type }, 'me');
      expectBodyChecks(type, body, ans.status);
    });
  });

  it('rooms: create, describe, join and delete never fail, and only accepted creates and deletes change the table', async () => {
    // A small pool of names, so that generated creates and deletes meet each other.
    const poolName = fc.integer({ min: 0, max: 7 }).map((n) => `fzr-${process.pid}-${n}`);
    const createBody = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record(
          {
            name: field(fc.oneof(roomLike(), poolName)),
            password: fc.oneof({ weight: 5, arbitrary: jsonValue }, { weight: 1, arbitrary: fc.constantFrom(null, '', 'pw') }),
            capacity: field(fc.integer({ min: 0, max: 20 })),
          },
          { requiredKeys: [] },
        ),
      },
      // Valid-looking creates (30 an hour get in, then 429).
      { weight: 1, arbitrary: fc.record({ name: poolName, capacity: fc.integer({ min: 1, max: 17 }) }) },
      { weight: 1, arbitrary: jsonValue },
    );
    const input = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), body: rawBody(createBody), type: contentType }),
      fc.record({ kind: fc.constantFrom('get' as const, 'delete' as const), name: segment(fc.oneof(roomLike(), poolName)) }),
      fc.record({
        kind: fc.constant('join' as const),
        name: segment(roomLike()),
        body: fc.oneof(
          fc.constant(undefined),
          rawBody(fc.oneof(fc.record({ password: field(fc.constantFrom('open sesame', 'wrong')) }, { requiredKeys: [] }), jsonValue)),
        ),
        type: contentType,
      }),
    );
    // One at a time: two deletes of one room racing would both answer 204 and spoil the bookkeeping.
    await fuzz(
      input,
      1000,
      async (i) => {
        if (i.kind === 'create') {
          const ans = await sendAndJudge({ method: 'POST', path: '/api/rooms', body: i.body, contentType: i.type }, 'rooms');
          if (ans.status === 201) wrote.rooms += 1;
          expectBodyChecks(i.type, i.body, ans.status);
        } else if (i.kind === 'get') {
          await sendAndJudge({ method: 'GET', path: `/api/rooms/${i.name}` }, 'rooms');
        } else if (i.kind === 'delete') {
          const ans = await sendAndJudge({ method: 'DELETE', path: `/api/rooms/${i.name}` }, 'rooms');
          if (ans.status === 204) wrote.rooms -= 1;
        } else if (i.kind === 'join') {
          await sendAndJudge({ method: 'POST', path: `/api/rooms/${i.name}/join`, body: i.body, contentType: i.type }, 'rooms');
        }
      },
      1,
    );
    // The fixture survived: the main room is still there.
    expect((await owner.client.get(`/api/rooms/${mainRoom}`)).status).toBe(200);
  });

  it('signal, chat and leave never fail on generated bodies, and only accepted messages are stored', async () => {
    const signalBody = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          {
            from: field(peerLike()),
            to: field(peerLike()),
            type: field(fc.constantFrom('offer', 'answer', 'candidate', 'hangup', 'state', 'OFFER', 'welcome', 'signal')),
            data: fc.oneof(jsonValue, fc.record({ inCall: field(fc.boolean()), muted: field(fc.boolean()) }, { requiredKeys: [] })),
          },
          { requiredKeys: [] },
        ),
      },
      // Mostly valid signals, so that the accepting path is fuzzed too: any data passes through.
      {
        weight: 2,
        arbitrary: fc.record({
          from: fc.constant(fuzzPeer),
          to: fc.constant(ownerPeer),
          type: fc.constantFrom('offer', 'answer', 'candidate', 'hangup'),
          data: jsonValue,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ from: fc.constant(fuzzPeer), type: fc.constant('state'), data: fc.record({ inCall: fc.boolean(), muted: fc.boolean() }) }),
      },
      { weight: 1, arbitrary: jsonValue },
    );
    const chatBody = fc.oneof(
      { weight: 4, arbitrary: fc.record({ from: field(peerLike()), body: field(hostileString), peerId: field(peerLike()) }, { requiredKeys: [] }) },
      // Valid-looking messages (20 per 10 s get in, the rest are rate limited).
      { weight: 2, arbitrary: fc.record({ from: fc.constant(fuzzPeer), body: hostileString }) },
      { weight: 1, arbitrary: jsonValue },
    );
    const leaveBody = fc.oneof(
      // Never the fuzz's own peer, which the other inputs need; someone else's is 403, an unknown one 204.
      {
        weight: 4,
        arbitrary: fc.record({ peerId: field(fc.oneof(fc.constant(ownerPeer), fc.stringMatching(/^[A-Za-z0-9_-]{20,24}$/))) }, { requiredKeys: [] }),
      },
      { weight: 1, arbitrary: jsonValue },
    );
    const name = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(mainRoom, mainRoom.toUpperCase()) },
      { weight: 2, arbitrary: segment(fc.constantFrom(mainRoom, `${mainRoom}%20`, lockedRoom, 'no-such-room')) },
    );
    const input = fc.oneof(
      fc.record({ route: fc.constant('signal'), name, body: rawBody(signalBody), type: contentType }),
      fc.record({ route: fc.constant('messages'), name, body: rawBody(chatBody), type: contentType }),
      fc.record({ route: fc.constant('leave'), name, body: rawBody(leaveBody), type: contentType }),
      fc.record({ route: fc.constant('read'), name, body: fc.constant(undefined), type: fc.constant(null) }),
    );
    await fuzz(input, 1400, async ({ route, name, body, type }) => {
      const method = route === 'read' ? 'GET' : 'POST';
      const path = `/api/rooms/${name}/${route === 'read' ? 'messages' : route}`;
      const ans = await sendAndJudge({ method, path, body, contentType: type }, 'room-actions');
      if (route === 'messages' && ans.status === 201) wrote.roomMessages += 1;
    });
  });

  it('the event stream never fails on hostile peers, query strings and Last-Event-ID headers', async () => {
    const lastEventId = fc.oneof(
      headerText,
      fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.bigInt({ min: 0n, max: 2n ** 70n })).map(([a, b]) => `${a}-${b}`),
      fc.constantFrom(
        '0-0',
        '0',
        '1-0',
        '-',
        '+',
        '$',
        '>',
        '(0-0',
        '-1-0',
        '1--1',
        '1-',
        '-1',
        '00000000000000000001-0',
        '18446744073709551615-18446744073709551615',
        '18446744073709551616-0',
        '99999999999999999999-99999999999999999999',
        '1.5-0',
        '1e3-0',
        ' 1-0',
        `${Date.now()}-0`,
        `${Date.now() + 86_400_000}-0`,
      ),
    );
    const input = fc.record({
      name: segment(fc.constantFrom(mainRoom, mainRoom, mainRoom, lockedRoom, 'no-such-room')),
      peer: fc.oneof(
        { weight: 4, arbitrary: fc.constant(pct(fuzzPeer)) },
        { weight: 1, arbitrary: fc.constant(pct(ownerPeer)) },
        { weight: 2, arbitrary: queryValue(peerLike()) },
      ),
      extraQuery: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryValue(peerLike()).map((p) => `&peer=${p}`) }),
      lastEventId: fc.option(lastEventId, { nil: undefined }),
      cookie: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: garbageCookie() }),
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
    });
    // One stream per peer at a time: a second open of the same peer replaces the first.
    await fuzz(
      input,
      500,
      async ({ name, peer, extraQuery, lastEventId, cookie, method }) => {
        count('events');
        const path = `/api/rooms/${name}/events?peer=${peer}${extraQuery}`;
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (cookie !== undefined) headers.cookie = cookie;
        else headers.cookie = [...fuzzer.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
        const abort = new AbortController();
        const res = await fetch(server.baseUrl + path, { method, headers, signal: abort.signal });
        tally('events', res.status);
        if (method === 'HEAD') {
          expect(res.status).toBeLessThan(500);
          return;
        }
        if (res.status === 200) {
          expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
          // The stream starts with its retry line; then the client goes away.
          const reader = res.body!.getReader();
          const first = await reader.read();
          expect(new TextDecoder().decode(first.value)).toMatch(/^retry: /);
          abort.abort();
          await reader.cancel().catch(() => {});
          return;
        }
        const text = await res.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        judge({ method: 'GET', path }, { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json });
      },
      1,
    );
  });

  it('a stream resumed from a garbage Last-Event-ID still delivers what happens next', async () => {
    // Whatever id the client claims, the stream it gets must not go deaf to live events.
    for (const id of ['00000000000000000001-0', '99999999999999999999-0', `${Date.now() + 86_400_000}-0`, '18446744073709551615-18446744073709551615']) {
      count('events');
      const abort = new AbortController();
      const res = await fetch(`${server.baseUrl}/api/rooms/${mainRoom}/events?peer=${fuzzPeer}`, {
        headers: { accept: 'text/event-stream', cookie: [...fuzzer.client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'last-event-id': id },
        signal: abort.signal,
      });
      expect(res.status, id).toBe(200);
      const reader = res.body!.getReader();
      let seen = '';
      const body = `after ${id}`;
      const posted = await owner.client.post(`/api/rooms/${mainRoom}/messages`, { from: ownerPeer, body });
      expect(posted.status).toBe(201);
      wrote.roomMessages += 1;
      const gaveUp = setTimeout(() => abort.abort(), 5000);
      try {
        while (!seen.includes(JSON.stringify(body))) {
          const chunk = await reader.read();
          if (chunk.done) throw new Error('stream ended');
          seen += new TextDecoder().decode(chunk.value);
        }
      } catch (err) {
        throw new Error(`the stream resumed from ${id} never delivered the next chat message (${(err as Error).message}); got ${JSON.stringify(seen)}`);
      } finally {
        clearTimeout(gaveUp);
      }
      abort.abort();
      await reader.cancel().catch(() => {});
    }
  });

  it('direct-message history and blocking never fail, and blocks are exactly what the accepted calls left', async () => {
    const names = fc.oneof(usernameLike(), fc.constantFrom('nobody-here', 'x'));
    const input = fc.oneof(
      fc.record({
        kind: fc.constant('history' as const),
        name: segment(names),
        query: fc.oneof(
          fc.constant(''),
          fc
            .tuple(
              queryValue(
                fc.oneof(
                  fc.nat().map(String),
                  fc.constantFrom('0', '-1', '1.5', '1e3', '9007199254740992', '99999999999999999999', '0x10', ' 5', 'Infinity', 'NaN'),
                ),
              ),
              queryValue(fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('1e2', '50.0', '', 'abc', '101', 'Infinity'))),
            )
            .map(([b, l]) => `?before=${b}&limit=${l}`),
          fc.constantFrom('?before', '?limit', '?before=&limit=', '?before=1&before=2', '?limit=1&limit=1000', '?before[]=1'),
        ),
      }),
      fc.record({
        kind: fc.constantFrom('block' as const, 'unblock' as const),
        name: segment(names),
        body: fc.oneof(fc.constant(undefined), rawBody(jsonValue)),
      }),
    );
    const blocked = new Set<string>();
    // One at a time, so that the last accepted block or unblock of a name is the one that counts.
    await fuzz(
      input,
      900,
      async (i) => {
        if (i.kind === 'history') {
          const ans = await sendAndJudge({ method: 'GET', path: `/api/dm/${i.name}/messages${i.query}` }, 'dm-rest');
          if (ans.status === 200) expect(ans.json).toEqual({ messages: [], hasMore: false, theirReadUpTo: null, myReadUpTo: null });
          return;
        }
        const method = i.kind === 'block' ? 'POST' : 'DELETE';
        const ans = await sendAndJudge({ method, path: `/api/users/${i.name}/block`, body: i.body }, 'dm-rest');
        if (ans.status === 204) {
          const who = decodeURIComponent(i.name).toLowerCase();
          if (i.kind === 'block') blocked.add(who);
          else blocked.delete(who);
        }
      },
      1,
    );
    const [rows] = await server.database.pool.query<RowDataPacket[]>(
      'SELECT u.username FROM user_blocks b JOIN users u ON u.id = b.blocked_id WHERE b.blocker_id = (SELECT id FROM users WHERE username = ?)',
      [fuzzer.username],
    );
    expect(rows.map((r) => r.username).sort()).toEqual([...blocked].sort());
    // Random names may hit accounts that other tests (or the signup fuzz above) created, so the
    // check is that every accepted block names a real account and never the fuzzer itself.
    expect(blocked.has(fuzzer.username.toLowerCase())).toBe(false);
    for (const who of blocked) {
      const [found] = await server.database.pool.query<RowDataPacket[]>('SELECT 1 FROM users WHERE username = ?', [who]);
      expect(found.length, who).toBe(1);
    }
  });

  it('unknown paths and methods answer in the error shape, never 5xx', async () => {
    const input = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
      // Socket.IO's endpoint answers its own requests, in Engine.IO's error format.
      prefix: fc.constantFrom('/api/', '/api/rooms/', '/api/users/', '/api/dm/', '/api/auth/', '/', '/r/', '/assets/', '/api', '/socket.io/'),
      segments: fc.array(segment(fc.constantFrom('me', 'rooms', 'block', 'messages', 'events', 'signal', 'health', mainRoom, target.username)), {
        maxLength: 4,
      }),
      query: fc.oneof(
        fc.constant(''),
        queryValue(fc.string()).map((q) => `?${q}`),
        fc
          .tuple(fc.constantFrom('3', '4', '5', 'x', ''), fc.constantFrom('polling', 'websocket', 'webtransport', 'x'), queryValue(fc.string()))
          .map(([eio, t, sid]) => `?EIO=${eio}&transport=${t}&sid=${sid}`),
      ),
      body: fc.oneof(fc.constant(undefined), rawBody(jsonValue)),
      signedIn: fc.boolean(),
      origin: fc.oneof(
        { weight: 5, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.constant(null),
            headerText,
            fc.constantFrom('null', 'https://evil.example', `${server.config.origin}/`, server.config.origin.toUpperCase()),
          ),
        },
      ),
    });
    await fuzz(input, 1200, async ({ method, prefix, segments, query, body, signedIn, origin }) => {
      const path = `${prefix}${segments.join('/')}${query}`;
      const ans = await sendAndJudge(
        { method, path, body: method === 'GET' || method === 'HEAD' ? undefined : body, as: signedIn ? fuzzer.client : null, origin },
        'unknown',
      );
      // A generated path can hit a real route; keep the books should it create or delete a room.
      if (ans.status === 201 && /^\/api\/rooms\/?(\?|$)/.test(path)) wrote.rooms += 1;
      if (ans.status === 204 && method === 'DELETE' && /^\/api\/rooms\/[^/?]+\/?(\?|$)/.test(path)) wrote.rooms -= 1;
      if (ans.status === 201 && /\/messages\/?(\?|$)/.test(path)) wrote.roomMessages += 1;
    });
  });

  it('bodies near and over 128 KiB (declared or streamed) get 413 exactly when over the limit', async () => {
    // Logout goes as the guest: a body the server accepts would otherwise sign the fuzz out.
    const routes: Array<[string, () => string, number, () => TestClient]> = [
      ['POST', () => '/api/auth/signup', BODY_LIMIT, () => guest],
      ['POST', () => '/api/auth/login', BODY_LIMIT, () => guest],
      ['POST', () => '/api/auth/logout', BODY_LIMIT, () => guest],
      ['PATCH', () => '/api/me', BODY_LIMIT, () => fuzzer.client],
      ['POST', () => '/api/rooms', BODY_LIMIT, () => fuzzer.client],
      ['POST', () => `/api/rooms/${mainRoom}/join`, BODY_LIMIT, () => fuzzer.client],
      ['POST', () => `/api/rooms/${mainRoom}/messages`, BODY_LIMIT, () => fuzzer.client],
      ['POST', () => `/api/rooms/${mainRoom}/leave`, BODY_LIMIT, () => fuzzer.client],
      ['POST', () => `/api/rooms/${mainRoom}/signal`, SIGNAL_LIMIT, () => fuzzer.client],
      ['POST', () => `/api/users/${target.username}/block`, BODY_LIMIT, () => fuzzer.client],
    ];
    const input = fc.record({
      route: fc.constantFrom(...routes),
      // Sizes around both limits.
      size: fc.oneof(
        fc.integer({ min: BODY_LIMIT - 64, max: BODY_LIMIT + 64 }),
        fc.integer({ min: SIGNAL_LIMIT - 64, max: SIGNAL_LIMIT + 64 }),
        fc.constantFrom(BODY_LIMIT, BODY_LIMIT + 1, SIGNAL_LIMIT, SIGNAL_LIMIT + 1, 4 * BODY_LIMIT),
      ),
      field: fc.constantFrom('displayName', 'body', 'password', 'name', 'data', 'peerId', 'pad'),
      chunked: fc.boolean(),
    });
    await fuzz(
      input,
      240,
      async ({ route: [method, path, limit, as], size, field: key, chunked }) => {
        // A JSON object of exactly `size` bytes: {"<key>":"xxxx…"}.
        const overhead = JSON.stringify({ [key]: '' }).length;
        const body = JSON.stringify({ [key]: 'x'.repeat(size - overhead) });
        expect(Buffer.byteLength(body)).toBe(size);
        const ans = await sendAndJudge({ method, path: path(), body, chunked, as: as() }, 'size');
        if (size > limit) {
          expect(ans.status).toBe(413);
          expect(ans.json.error.code).toBe('payload_too_large');
        } else {
          expect(ans.status).not.toBe(413);
        }
      },
      3,
    );
  });

  it('deeply nested JSON gets a 4xx on every route that takes a body', async () => {
    const input = fc.record({
      route: fc.constantFrom(
        '/api/auth/signup',
        '/api/auth/login',
        '/api/me',
        '/api/rooms',
        `/api/rooms/${mainRoom}/join`,
        `/api/rooms/${mainRoom}/messages`,
        `/api/rooms/${mainRoom}/leave`,
        `/api/rooms/${mainRoom}/signal`,
      ),
      depth: fc.oneof(fc.integer({ min: 10, max: 200 }), fc.integer({ min: 4000, max: 30_000 }), fc.constantFrom(10_000, 20_000)),
      shape: fc.constantFrom('array', 'object', 'unclosed', 'in-field', 'in-signal-data'),
    });
    await fuzz(
      input,
      240,
      async ({ route, depth, shape }) => {
        let body: string;
        if (shape === 'array') body = '['.repeat(depth) + ']'.repeat(depth);
        else if (shape === 'object') body = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        else if (shape === 'unclosed') body = '['.repeat(depth);
        else if (shape === 'in-field') body = `{"displayName":${'['.repeat(depth)}${']'.repeat(depth)},"body":1}`;
        else body = JSON.stringify({ from: fuzzPeer, to: ownerPeer, type: 'offer', data: 0 }).replace('0}', `${'['.repeat(depth)}${']'.repeat(depth)}}`);
        const method = route === '/api/me' ? 'PATCH' : 'POST';
        const ans = await sendAndJudge({ method, path: route, body, as: route.startsWith('/api/auth') ? guest : fuzzer.client }, 'nested');
        // No route takes a bare array, closed or not (join takes an object with unknown fields, so the others may pass there).
        if (shape === 'array' || shape === 'unclosed') expect(ans.status).toBe(400);
      },
      2,
    );
  });

  it('invalid UTF-8 and control bytes sent raw in the request line and headers get a 4xx in the error shape', async () => {
    const { port } = server;
    const rawTarget = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('/api/rooms/', '/api/users?q=', `/api/rooms/${mainRoom}/events?peer=`, '/api/dm/', '/api/'),
          fc.uint8Array({ minLength: 1, maxLength: 16 }),
        )
        .map(([p, b]) => Buffer.concat([Buffer.from(p), Buffer.from(b)])),
      fc.constantFrom(
        Buffer.from('/api/rooms/\xff\xfe', 'latin1'),
        Buffer.from('/api/users?q=\xc3\x28', 'latin1'),
        Buffer.from('/api/me\x00'),
        Buffer.from('/api/me\x7f'),
        Buffer.from('/api/ me'),
        Buffer.from('*'),
        Buffer.from('http://evil.example/api/me'),
      ),
    );
    const rawHeader = fc.oneof(
      fc.constant(Buffer.alloc(0)),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.concat([Buffer.from('Cookie: parley_session='), Buffer.from(b), Buffer.from('\r\n')])),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.concat([Buffer.from('Last-Event-ID: '), Buffer.from(b), Buffer.from('\r\n')])),
      fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => Buffer.concat([Buffer.from(b), Buffer.from(': x\r\n')])),
      fc
        .constantFrom(
          'Content-Length: -1\r\n',
          'Content-Length: abc\r\n',
          'Content-Length: 1\r\nContent-Length: 2\r\n',
          'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n',
          'Transfer-Encoding: gzip, chunked, identity\r\n',
          `X-Big: ${'x'.repeat(20_000)}\r\n`,
          'Host: \xff\r\n',
        )
        .map((s) => Buffer.from(s, 'latin1')),
    );
    const input = fc.record({ method: fc.constantFrom('GET', 'POST', 'DELETE', 'G\xffT', 'GET /x'), target: rawTarget, header: rawHeader });
    await fuzz(
      input,
      300,
      async ({ method, target: path, header }) => {
        count('raw');
        const request = Buffer.concat([
          Buffer.from(`${method} `, 'latin1'),
          path,
          Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${server.config.origin}\r\nConnection: close\r\n`),
          header,
          Buffer.from('\r\n'),
        ]);
        const response = await new Promise<string>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1');
          const chunks: Buffer[] = [];
          socket.on('data', (d) => chunks.push(d));
          socket.on('error', reject);
          socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
          // A request line or a header the parser accepts can leave the server waiting for a body: end our side.
          socket.end(request);
        });
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
        tally('raw', status);
        if (status === 0) return; // the server may close a connection it cannot parse at all
        const split = response.indexOf('\r\n\r\n');
        const head = response.slice(0, split);
        let text = response.slice(split + 4);
        if (/transfer-encoding: chunked/i.test(head)) text = text.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
        let json: unknown;
        try {
          json = /content-type: application\/json/i.test(head) ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        judge({ method: 'GET', path: '/api' }, { status, contentType: '', text, json });
      },
      4,
    );
  });

  it('wrote exactly what the accepted requests wrote, and nothing went wrong in the process', async () => {
    const after = await rowCounts();
    expect(after.users - before.users).toBe(wrote.users);
    expect(after.rooms - before.rooms).toBe(wrote.rooms);
    expect(after.roomMessages - before.roomMessages).toBe(wrote.roomMessages);
    // Nothing on HTTP writes direct messages or conversations.
    expect(after.directMessages).toBe(before.directMessages);
    expect(after.conversations).toBe(before.conversations);

    // Every stored row obeys the documented rules, whatever was sent.
    const [users] = await server.database.pool.query<RowDataPacket[]>('SELECT username, display_name FROM users');
    for (const u of users) {
      expect(u.username).toMatch(/^[a-z0-9_.-]{3,32}$/);
      const name = u.display_name as string;
      expect(name).toBe(name.trim());
      expect([...name].length).toBeGreaterThanOrEqual(1);
      expect([...name].length).toBeLessThanOrEqual(64);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may be left in a stored name.
      expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    }
    const [rooms] = await server.database.pool.query<RowDataPacket[]>('SELECT name, capacity FROM rooms');
    for (const r of rooms) {
      expect(r.name).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
      expect(r.capacity).toBeGreaterThanOrEqual(2);
      expect(r.capacity).toBeLessThanOrEqual(16);
    }
    const [messages] = await server.database.pool.query<RowDataPacket[]>('SELECT body FROM room_messages');
    for (const m of messages) {
      const body = m.body as string;
      expect(body).toBe(body.trim());
      expect([...body].length).toBeGreaterThanOrEqual(1);
      expect([...body].length).toBeLessThanOrEqual(4000);
    }

    // The server is still up and still serves an ordinary request.
    expect((await send({ method: 'GET', path: '/api/health', as: null })).json).toEqual({ ok: true, mysql: 'up', redis: 'up' });
    expect((await send({ method: 'GET', path: '/api/me' })).json.user.username).toBe(fuzzer.username);

    expect(watch.faults()).toEqual({ process: [], log: [], console: [] });

    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    console.log(`hostile HTTP inputs: ${total} (${[...sent].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    console.log(
      `statuses: ${[...statuses]
        .map(
          ([k, m]) =>
            `${k} {${[...m]
              .sort((a, b) => a[0] - b[0])
              .map(([st, n]) => `${st}: ${n}`)
              .join(', ')}}`,
        )
        .join('; ')}`,
    );
    console.log(`accepted writes: ${JSON.stringify(wrote)}`);
    for (const family of ['accounts', 'reads', 'me', 'rooms', 'room-actions', 'events', 'dm-rest', 'unknown', 'size', 'nested', 'raw']) {
      expect(sent.get(family) ?? 0, family).toBeGreaterThan(0);
    }
    // The generated input reached the accepting paths as well as the refusing ones.
    for (const [family, status] of [
      ['accounts', 201],
      ['accounts', 401],
      ['accounts', 415],
      ['me', 200],
      ['rooms', 201],
      ['room-actions', 201],
      ['room-actions', 202],
      ['events', 200],
      ['dm-rest', 204],
      ['size', 413],
      ['raw', 400],
    ] as const) {
      expect(saw(family, status), `${family} ${status}`).toBeGreaterThan(0);
    }
    expect(total).toBeGreaterThanOrEqual(7000);
  });
});
