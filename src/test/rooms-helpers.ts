import type { TestClient } from './client.js';
import type { TestServer } from './harness.js';
import { uniqueUsername } from './harness.js';
import { SseClient } from './sse-client.js';

export type Person = { client: TestClient; username: string; server: TestServer };

/** A signed-up user whose requests go to `server`. */
export async function person(server: TestServer, stem = 'p'): Promise<Person> {
  const client = server.client();
  const username = uniqueUsername(stem);
  await client.signup(username);
  return { client, username, server };
}

/** The same account (same session cookie) talking to another server process. */
export function sameSessionOn(p: Person, server: TestServer): Person {
  const client = server.client();
  for (const [k, v] of p.client.cookies) client.cookies.set(k, v);
  return { client, username: p.username, server };
}

export function uniqueRoomName(stem = 'room'): string {
  return uniqueUsername(stem).replace(/[^a-z0-9_-]/g, '-');
}

export async function createRoom(p: Person, name: string, extra: Record<string, unknown> = {}) {
  const res = await p.client.post('/api/rooms', { name, ...extra });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${res.text}`);
  return res.body.room;
}

export async function join(p: Person, room: string, body?: Record<string, unknown>): Promise<string> {
  const res = await p.client.post(`/api/rooms/${room}/join`, body ?? {});
  if (res.status !== 200) throw new Error(`join ${room}: ${res.status} ${res.text}`);
  return res.body.peerId;
}

/** Opens the room's event stream as `p`, optionally resuming after `lastEventId`. */
export async function openStream(p: Person, room: string, peerId: string, lastEventId?: string): Promise<SseClient> {
  const headers: Record<string, string> = {
    cookie: [...p.client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    accept: 'text/event-stream',
  };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const sse = new SseClient(`${p.server.baseUrl}/api/rooms/${room}/events?peer=${encodeURIComponent(peerId)}`, headers);
  await sse.open();
  return sse;
}

export async function signal(p: Person, room: string, body: Record<string, unknown>) {
  return p.client.post(`/api/rooms/${room}/signal`, body);
}

/** Ann (on `annServer`) creates a room and joins; Bob (on `bobServer`) joins. No streams yet. */
export async function seatTwo(annServer: TestServer, bobServer: TestServer = annServer) {
  const ann = await person(annServer, 'ann');
  const bob = await person(bobServer, 'bob');
  const room = uniqueRoomName();
  await createRoom(ann, room);
  const annPeer = await join(ann, room);
  const bobPeer = await join(bob, room);
  return { ann, bob, room, annPeer, bobPeer };
}

/**
 * Ann (on `annServer`) creates a room, joins and opens her stream (read past its welcome); then
 * Bob (on `bobServer`) joins and opens his, whose welcome is left unread.
 */
export async function roomWithTwoStreams(annServer: TestServer, bobServer: TestServer, stem = 'room') {
  const ann = await person(annServer, 'ann');
  const bob = await person(bobServer, 'bob');
  const room = uniqueRoomName(stem);
  await createRoom(ann, room);
  const annPeer = await join(ann, room);
  const annStream = await openStream(ann, room, annPeer);
  await annStream.nextOf('welcome');
  const bobPeer = await join(bob, room);
  const bobStream = await openStream(bob, room, bobPeer);
  return { ann, bob, room, annPeer, bobPeer, annStream, bobStream };
}
