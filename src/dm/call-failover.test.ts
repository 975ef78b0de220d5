import { afterAll, beforeAll, expect, it } from 'vitest';
import { collect, connected, dmSocket, emitAck } from '../test/dm-helpers.js';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { person, sameSessionOn } from '../test/rooms-helpers.js';
import { waitFor } from '../test/wait.js';

/**
 * A call outlives the process it was rung on: its deadline is in Redis and
 * every process sweeps, so when that process stops, another one still ends
 * the unanswered call as missed, stores its entry and removes its room.
 */

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  [a, b] = (await startTestCluster(2, { CALL_RING_TIMEOUT_MS: '1500' })) as [TestServer, TestServer];
});
afterAll(async () => {
  await b?.stop();
});

it('the other process ends a call as missed after the process it was rung on stopped', async () => {
  const ann = await person(a, 'ann');
  const bob = sameSessionOn(await person(a, 'bob'), b);
  const annOnB = sameSessionOn(ann, b);
  const annTab = await connected(dmSocket(ann));
  const bobTab = await connected(dmSocket(bob));
  const bobEnded = collect(bobTab, 'call:ended');
  const { call } = await emitAck(annTab, 'call:ring', { to: bob.username });
  annTab.disconnect();
  await a.stop();

  expect((await bobEnded.next((d) => d.id === call.id, 10_000)).outcome).toBe('missed');
  await waitFor('the missed call is in the thread', async () => {
    const history = await bob.client.get(`/api/dm/${ann.username}/messages`);
    return history.body.messages.some((m: any) => m.kind === 'call' && m.call.outcome === 'missed');
  });
  expect((await annOnB.client.get(`/api/rooms/${call.room}`)).status).toBe(404);
  bobTab.disconnect();
});
