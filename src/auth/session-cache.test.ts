import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { startTestCluster, uniqueUsername, type TestServer } from '../test/harness.js';
import { createSessionCache } from './session-cache.js';
import type { SessionValidation } from './session.js';

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

describe('a validation that read MySQL before a logout', () => {
  // The race: a request's session lookup is in flight when the logout (on another process) is
  // announced; it returns the row it read a moment earlier and would cache a dead session.
  const cache = createSessionCache({ publisher: undefined as never, channel: 'unused', ttlMs: 30_000, logger: createLogger('silent') });
  const validation = (sessionId: string, userId: number): SessionValidation => ({
    session: { id: sessionId, userId, expiresAt: new Date(Date.now() + 86_400_000) },
    user: { id: userId, username: `u${userId}`, displayName: 'U' },
    renewed: false,
  });

  it('is not cached once the logout was announced', () => {
    cache.apply('s:late');
    cache.set('late', validation('late', 7));
    expect(cache.get('late')).toBeUndefined();
    // Other sessions are cached as usual.
    cache.set('other', validation('other', 8));
    expect(cache.get('other')?.user.id).toBe(8);
  });

  it('is not cached once a change to its user was announced', () => {
    cache.apply('u:9');
    cache.set('renamed', validation('renamed', 9));
    expect(cache.get('renamed')).toBeUndefined();
  });
});
