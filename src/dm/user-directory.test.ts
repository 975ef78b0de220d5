import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, uniqueUsername, type TestServer } from '../test/harness.js';
import { person } from '../test/rooms-helpers.js';
import { createUserDirectory } from './user-directory.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('the user directory', () => {
  it('answers a burst of lookups of a new name with one query, not one pool slot each', async () => {
    const bob = await person(server, 'bob');
    const directory = createUserDirectory(server.database.pool);
    // More callers than the pool will queue (queueLimit 1000): each would fail with "Queue limit reached".
    const found = await Promise.all([...Array(3000).keys()].map(() => directory.byUsername(bob.username)));
    expect(new Set(found.map((u) => u?.id)).size).toBe(1);
    expect(found[0]).toEqual({ id: expect.any(Number), username: bob.username, deleted: false });
    expect(await directory.byId(found[0]!.id)).toEqual(found[0]);
  });

  it('does not remember a miss: a name signed up a moment later is found', async () => {
    const directory = createUserDirectory(server.database.pool);
    const name = uniqueUsername('late');
    expect(await directory.byUsername(name)).toBeUndefined();
    await server.client().signup(name);
    expect((await directory.byUsername(name))?.username).toBe(name);
  });
});
