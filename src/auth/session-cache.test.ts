import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, uniqueUsername, type TestServer } from '../test/harness.js';

/**
 * Two processes, each caching validated sessions for 30 s here (far longer
 * than the default), so only the Redis announcements can explain a change
 * being seen on the other process.
 */
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { SESSION_CACHE_MS: '30000' })) as [TestServer, TestServer];
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

async function eventually(check: () => Promise<boolean>, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('the session cache across processes', () => {
  it('a logout on one process ends the session on the others at once', async () => {
    const onA = a.client();
    await onA.signup(uniqueUsername('cache'));
    const onB = b.client();
    for (const [k, v] of onA.cookies) onB.cookies.set(k, v);
    expect((await onB.get('/api/me')).status).toBe(200); // now cached on B
    expect((await onA.post('/api/auth/logout')).status).toBe(204);
    expect(await eventually(async () => (await onB.get('/api/me')).status === 401)).toBe(true);
  });

  it('a display name change on one process shows on the others at once', async () => {
    const onA = a.client();
    await onA.signup(uniqueUsername('rename'), 'password123', 'Before');
    const onB = b.client();
    for (const [k, v] of onA.cookies) onB.cookies.set(k, v);
    expect((await onB.get('/api/me')).body.user.displayName).toBe('Before');
    expect((await onA.patch('/api/me', { displayName: 'After' })).status).toBe(200);
    expect(await eventually(async () => (await onB.get('/api/me')).body.user.displayName === 'After')).toBe(true);
  });
});
