import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { startTestServer, uniqueUsername, TEST_ORIGIN, type TestServer } from '../test/harness.js';

const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, createLogger('info', sink));
});
afterAll(async () => {
  await server?.stop();
});

const signupBody = () => ({ username: uniqueUsername('edge'), password: 'password123' });

describe('CSRF', () => {
  it('refuses a non-GET request from another origin with 403 forbidden_origin', async () => {
    const res = await server.client('https://evil.example').post('/api/auth/signup', signupBody());
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden_origin');
  });

  it('refuses a non-GET request with neither Origin nor Sec-Fetch-Site', async () => {
    const res = await server.client(null).post('/api/auth/login', { username: 'someone', password: 'password1' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden_origin');
  });

  it('refuses Origin: null (sandboxed frames, data: URLs)', async () => {
    const res = await server.client('null').post('/api/auth/signup', signupBody());
    expect(res.status).toBe(403);
  });

  it('refuses a cross-site state change even with a valid session cookie', async () => {
    const victim = server.client();
    await victim.signup(uniqueUsername('victim'));
    const forged = server.client('https://evil.example');
    for (const [k, v] of victim.cookies) forged.cookies.set(k, v);
    expect((await forged.patch('/api/me', { displayName: 'pwned' })).status).toBe(403);
    expect((await forged.post('/api/auth/logout')).status).toBe(403);
    expect((await victim.get('/api/me')).body.user.displayName).not.toBe('pwned');
  });

  it('lets a browser-declared same-origin request through without a matching Origin', async () => {
    const res = await server.client(null).post('/api/auth/signup', signupBody(), {
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(201);
    const cross = await server.client(null).post('/api/auth/signup', signupBody(), {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(cross.status).toBe(403);
  });

  it('does not apply to GET', async () => {
    expect((await server.client('https://evil.example').get('/api/health')).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('refuses a body over 128 KiB with 413 payload_too_large (Content-Length)', async () => {
    const res = await server.client().post('/api/auth/signup', { ...signupBody(), displayName: 'x'.repeat(130 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('refuses a streamed body over 128 KiB with 413 before reading it all', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far more than the limit; the server must stop reading long before the end.
        if (sent >= 8 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${server.baseUrl}/api/auth/signup`, {
      method: 'POST',
      headers: { origin: TEST_ORIGIN, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
    expect(sent).toBeLessThan(8 * 1024 * 1024);
  });

  it.each([
    ['malformed JSON', '{"username": "abc", '],
    ['an empty body', ''],
    ['a bare word', 'hello'],
    ['deeply nested JSON', '['.repeat(50_000) + ']'.repeat(50_000)],
  ])('answers %s with 400 invalid_input', async (_label, text) => {
    const res = await server.client().request('POST', '/api/auth/signup', {
      body: text,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
  });

  it('answers bytes that are not UTF-8 with 400 invalid_input', async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await server.client().request('POST', '/api/auth/signup', {
      body: bytes,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
  });

  it('refuses a lone surrogate escape as text (it could not be stored as sent), and takes a paired one', async () => {
    const client = server.client();
    const username = uniqueUsername('sur');
    const body = (name: string) => `{"username":"${username}","password":"password123","displayName":"${name}"}`;
    const headers = { 'content-type': 'application/json' };
    for (const name of ['a\\ud800', '\\udc00b', 'x\\ud83d']) {
      const res = await client.request('POST', '/api/auth/signup', { body: body(name), headers });
      expect(res.status, name).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    // An escaped pair is an ordinary character (here 😀) and is stored as sent.
    const ok = await client.request('POST', '/api/auth/signup', { body: body('smile \\ud83d\\ude00'), headers });
    expect(ok.status).toBe(201);
    expect(ok.body.user.displayName).toBe('smile \u{1F600}');
  });

  it('answers a form post or text body with 415 unsupported_media_type', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await server.client().request('POST', '/api/auth/login', {
        body: 'username=a&password=b',
        headers: { 'content-type': type },
      });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    }
  });
});

describe('responses', () => {
  it('sends security headers and a CSP the bundled client can satisfy', async () => {
    const res = await server.client().get('/api/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    // Plain http: no HSTS, which would break a localhost install.
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('answers unknown API routes in the error shape, never HTML', async () => {
    const client = server.client();
    await client.signup(uniqueUsername('nf'));
    const res = await client.get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('logs one structured line per request with method, path, status and duration, and no secrets', async () => {
    const client = server.client();
    const name = uniqueUsername('logged');
    await client.post('/api/auth/signup', { username: name, password: 'sekrit-password-123' });
    await client.post('/api/auth/login', { username: name, password: 'sekrit-password-123' });
    const token = client.cookies.get('parley_session')!;
    await client.get('/api/me?secret=query-value');
    const lines = logLines.map((l) => JSON.parse(l));
    const me = lines.find((l) => l.path === '/api/me' && l.method === 'GET');
    expect(me).toMatchObject({ msg: 'request', status: 200, method: 'GET', path: '/api/me', ms: expect.any(Number) });
    const all = logLines.join('\n');
    expect(all).not.toContain('sekrit-password-123');
    expect(all).not.toContain(token);
    expect(all).not.toContain('query-value');
  });
});

describe('GET /', () => {
  it('serves the web client on its routes, with no inline script or style, so the CSP holds', async () => {
    for (const path of ['/', '/r/some-room', '/dm', '/dm/someone']) {
      const res = await server.client().get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.text).toContain('<div id="app"></div>');
      // Scripts only by src= from this origin; no inline code or style attributes.
      expect(res.text).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)[^>]*>|style=/);
    }
    const page = (await server.client().get('/')).text;
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)![1]!;
    const asset = await server.client().get(script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await server.client().get('/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await server.client().get('/assets/nope.js')).status).toBe(404);
  });
});
