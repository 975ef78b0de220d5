import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { keySpace } from '../../src/redis/client.js';
import { roomKeys } from '../../src/rooms/room-keys.js';
import { callStats, openPage, signUp, useBrowserAndServer, waitFor, type UserPage } from './browser.js';

/**
 * A member who has not joined the call tries to listen to it: it joins the
 * room by hand (not through the room page), makes a receive-only audio
 * offer in its own RTCPeerConnection and sends it to a browser in the call.
 * The server refuses the offer; a browser that gets one anyway (here
 * injected straight into the room's Redis stream, as a server without the
 * check would deliver it) replies `hangup` and answers nothing. Either way,
 * not one byte of audio reaches the eavesdropper.
 */
const env = useBrowserAndServer();

const roomName = () => `eaves-${Math.random().toString(36).slice(2, 10)}`;

type Eavesdropper = { peerId: string; offer: RTCSessionDescriptionInit };

/** Joins `room` from a page that is not the room page, and prepares a recvonly offer with all its candidates. */
function eavesdropperIn(page: Page, room: string): Promise<Eavesdropper> {
  return page.evaluate(async (room) => {
    const post = (path: string, body: unknown) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const joined = (await (await post(`/api/rooms/${room}/join`, {})).json()) as { peerId: string };
    const signals: Array<{ from: string; type: string; data: any }> = [];
    const pc = new RTCPeerConnection();
    const es = new EventSource(`/api/rooms/${room}/events?peer=${joined.peerId}`);
    es.addEventListener('signal', (e) => {
      const s = JSON.parse((e as MessageEvent).data);
      signals.push(s);
      if (s.type === 'answer') void pc.setRemoteDescription(s.data);
      if (s.type === 'candidate') void pc.addIceCandidate(s.data).catch(() => {});
    });
    await new Promise((resolve) => es.addEventListener('welcome', resolve, { once: true }));
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription();
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    (window as any).__eve = {
      signals,
      send: async (to: string, type: string, data: unknown) => {
        const res = await post(`/api/rooms/${room}/signal`, { from: joined.peerId, to, type, data });
        return { status: res.status, code: res.status === 202 ? undefined : (await res.json()).error.code };
      },
      heard: async () => {
        let bytes = 0;
        (await pc.getStats()).forEach((s: any) => {
          if (s.type === 'inbound-rtp') bytes += s.bytesReceived ?? 0;
        });
        return { bytes, state: pc.connectionState };
      },
    };
    return { peerId: joined.peerId, offer: pc.localDescription!.toJSON() };
  }, room);
}

const send = (page: Page, to: string, type: string, data: unknown) =>
  page.evaluate(([to, type, data]) => (window as any).__eve.send(to, type, data), [to, type, data] as const) as Promise<{ status: number; code?: string }>;
const signalsOf = (page: Page) => page.evaluate(() => (window as any).__eve.signals) as Promise<Array<{ from: string; type: string }>>;
const heard = (page: Page) => page.evaluate(() => (window as any).__eve.heard()) as Promise<{ bytes: number; state: string }>;
const peerIdOf = (page: Page) => page.evaluate(() => (window as any).__parley.peerId()) as Promise<string>;

/** Delivers a signal to `to` the way the room's SIGNAL script does, without its checks. */
async function injectSignal(room: string, from: string, to: string, type: string, data: unknown) {
  const { redis, config } = env.server;
  const { events, channel } = roomKeys(keySpace(config.redisPrefix), room);
  const json = JSON.stringify({ from, type, data });
  const id = await redis.xadd(events, '*', 't', 'signal', 'to', to, 'x', '-', 'end', '-', 'd', json);
  await redis.spublish(channel, `${id} signal ${to} - -\n${json}`);
}

async function inCallRoom(stem: string): Promise<{ victim: UserPage; name: string; victimPeer: string }> {
  const victim = await openPage(env.browser, env.server);
  await signUp(victim, stem);
  const name = roomName();
  await victim.getByLabel('Room name').fill(name);
  await victim.getByRole('button', { name: 'Create room' }).click();
  await victim.getByRole('button', { name: 'Join call' }).click();
  await victim.getByRole('button', { name: 'Leave call' }).waitFor();
  return { victim, name, victimPeer: await peerIdOf(victim) };
}

/** Over a window in which an answered offer connects many times over, nothing connects and no audio arrives. */
async function expectNothingHeard(eve: Page, victim: Page) {
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    const h = await heard(eve);
    expect(h.bytes).toBe(0);
    expect(h.state).not.toBe('connected');
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(await callStats(victim)).toEqual([]);
  expect((await signalsOf(eve)).filter((s) => s.type === 'answer')).toEqual([]);
}

describe('a member who has not joined the call', () => {
  it('cannot get an answer from a browser in the call: the server refuses the offer with 409 not_in_call', async () => {
    const { victim, name, victimPeer } = await inCallRoom('victim');
    const eve = await openPage(env.browser, env.server);
    await signUp(eve, 'eve');
    const { offer } = await eavesdropperIn(eve, name);
    expect(await send(eve, victimPeer, 'offer', offer)).toEqual({ status: 409, code: 'not_in_call' });
    await expectNothingHeard(eve, victim);
    expect(victim.problems).toEqual([]);
    await eve.context().close();
    await victim.context().close();
  }, 60_000);

  it('gets hangup and nothing else from a browser in the call that receives its offer anyway', async () => {
    const { victim, name, victimPeer } = await inCallRoom('victim');
    const eve = await openPage(env.browser, env.server);
    await signUp(eve, 'eve');
    const { peerId, offer } = await eavesdropperIn(eve, name);
    // The victim's member list must know eve (member-joined) before the offer, as it would.
    await victim.locator(`li[data-peer="${peerId}"]`).waitFor();
    await injectSignal(name, peerId, victimPeer, 'offer', offer);
    await waitFor('the victim replies hangup', async () => (await signalsOf(eve)).some((s) => s.type === 'hangup' && s.from === victimPeer), 10_000);
    await expectNothingHeard(eve, victim);
    await eve.context().close();
    await victim.context().close();
  }, 60_000);
});

describe('a browser that is not in the call', () => {
  it('replies hangup to an offer, so that the caller does not wait for an answer', async () => {
    const { name } = await inCallRoom('caller');
    const idle = await openPage(env.browser, env.server);
    await signUp(idle, 'idle');
    await idle.goto(`/r/${name}`);
    await idle.getByRole('button', { name: 'Join call' }).waitFor();
    const idlePeer = await peerIdOf(idle);
    const eve = await openPage(env.browser, env.server);
    await signUp(eve, 'eve');
    const { peerId, offer } = await eavesdropperIn(eve, name);
    // Even a member in the call is refused by the server when the recipient is not in it.
    const stated = await eve.evaluate(
      ([room, from]) =>
        fetch(`/api/rooms/${room}/signal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ from, type: 'state', data: { inCall: true, muted: false } }),
        }).then((r) => r.status),
      [name, peerId] as const,
    );
    expect(stated).toBe(202);
    expect(await send(eve, idlePeer, 'offer', offer)).toEqual({ status: 409, code: 'peer_not_in_call' });
    await idle.locator(`li[data-peer="${peerId}"]`).waitFor();
    await injectSignal(name, peerId, idlePeer, 'offer', offer);
    await waitFor('the idle tab replies hangup', async () => (await signalsOf(eve)).some((s) => s.type === 'hangup' && s.from === idlePeer), 10_000);
    await expectNothingHeard(eve, idle);
    for (const p of [eve, idle]) await p.context().close();
  }, 60_000);
});
