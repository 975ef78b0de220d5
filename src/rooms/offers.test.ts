import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestServer } from '../test/harness.js';
import { roomWithTwoStreams, signal } from '../test/rooms-helpers.js';
import type { SseClient } from '../test/sse-client.js';

/**
 * Who may send an offer. An offer starts a connection that carries the
 * answerer's microphone, so the server passes one only between two members
 * whose stored state is in-call. Two processes: the state and the offer that
 * follows it may be posted to different ones.
 */

let a: TestServer;
let b: TestServer;
const streams: SseClient[] = [];

beforeAll(async () => {
  [a, b] = (await startTestCluster(2)) as [TestServer, TestServer];
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

async function roomWithTwo() {
  const seated = await roomWithTwoStreams(a, b, 'offers');
  streams.push(seated.annStream, seated.bobStream);
  await seated.bobStream.nextOf('welcome');
  return seated;
}

const inCall = (inCall: boolean) => ({ type: 'state', data: { inCall, muted: false } });
const offer = { type: 'offer', sdp: 'v=0 offer' };

describe('offers', () => {
  it('are refused from a member who has not joined the call (409 not_in_call), and never delivered', async () => {
    const { ann, bob, room, annPeer, bobPeer, annStream } = await roomWithTwo();
    expect((await signal(ann, room, { from: annPeer, ...inCall(true) })).status).toBe(202);

    const res = await signal(bob, room, { from: bobPeer, to: annPeer, type: 'offer', data: offer });
    expect([res.status, res.body.error.code]).toEqual([409, 'not_in_call']);

    // Answers, candidates and hangups are not offers: they pass, and come after the refused offer.
    expect((await signal(bob, room, { from: bobPeer, to: annPeer, type: 'hangup', data: null })).status).toBe(202);
    const first = await annStream.nextOf('signal');
    expect(first.data.type).toBe('hangup');
    expect(annStream.events.filter((e) => e.event === 'signal')).toHaveLength(1);
  });

  it('are refused to a member who is not in the call (409 peer_not_in_call)', async () => {
    const { ann, room, annPeer, bobPeer } = await roomWithTwo();
    expect((await signal(ann, room, { from: annPeer, ...inCall(true) })).status).toBe(202);
    const res = await signal(ann, room, { from: annPeer, to: bobPeer, type: 'offer', data: offer });
    expect([res.status, res.body.error.code]).toEqual([409, 'peer_not_in_call']);
  });

  it('follow the state posted just before them, on another process, and arrive after its member-state', async () => {
    const { ann, bob, room, annPeer, bobPeer, annStream } = await roomWithTwo();
    expect((await signal(ann, room, { from: annPeer, ...inCall(true) })).status).toBe(202);
    const bobOnA = { ...bob, server: a };
    for (let round = 0; round < 20; round++) {
      // Joining the call: state to one process, the offer to the other, one after the other as the page posts them.
      expect((await signal(bob, room, { from: bobPeer, ...inCall(true) })).status).toBe(202);
      const sent = await signal(bobOnA, room, { from: bobPeer, to: annPeer, type: 'offer', data: { round } });
      expect(sent.status).toBe(202);
      // Leaving it: the next offer is refused.
      expect((await signal(bobOnA, room, { from: bobPeer, ...inCall(false) })).status).toBe(202);
      const late = await signal(bob, room, { from: bobPeer, to: annPeer, type: 'offer', data: { round, late: true } });
      expect([late.status, late.body.error.code]).toEqual([409, 'not_in_call']);
    }
    await annStream.next((e) => e.event === 'signal' && e.data.data.round === 19);
    // On ann's stream every offer comes right after bob's member-state saying he is in the call.
    const seen = annStream.events.filter((e) => (e.event === 'member-state' && e.data.peerId === bobPeer) || e.event === 'signal');
    const pairs = seen.map((e) => (e.event === 'signal' ? `offer ${e.data.data.round}` : `state ${e.data.inCall}`));
    expect(pairs).toEqual([...Array(20).keys()].flatMap((r) => ['state true', `offer ${r}`, 'state false']));
  });

  it('nor any signal addressed to its own sender: 400 invalid_input, nothing echoed', async () => {
    const { ann, room, annPeer, annStream } = await roomWithTwo();
    expect((await signal(ann, room, { from: annPeer, ...inCall(true) })).status).toBe(202);
    for (const type of ['offer', 'answer', 'candidate', 'hangup']) {
      const res = await signal(ann, room, { from: annPeer, to: annPeer, type, data: { type } });
      expect([type, res.status, res.body.error.code]).toEqual([type, 400, 'invalid_input']);
    }
    await ann.client.post(`/api/rooms/${room}/messages`, { from: annPeer, body: 'marker' });
    await annStream.nextOf('chat');
    expect(annStream.events.filter((e) => e.event === 'signal')).toEqual([]);
  });
});
