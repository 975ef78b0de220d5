import { signal } from '@preact/signals';
import type { DmClient } from '../dm/dm-client.js';
import type { CallEnded, CallOutcome, IncomingCall } from '../lib/types.js';

type Party = { username: string; displayName: string };

/** A call ringing on this tab: `accepting` while this tab's Accept is on its way, `elsewhere` once another tab took it. */
export type Ringing = { id: string; room: string; from: Party; state: 'ringing' | 'accepting' | 'elsewhere' | 'gone' };

/**
 * The call this tab takes part in: `calling` (the caller, until an answer), `active`, then
 * `ended` with its outcome for the few seconds the call screen says how it ended.
 */
export type DmCall = {
  id: string;
  room: string;
  with: Party;
  role: 'caller' | 'callee';
  phase: 'calling' | 'active' | 'ended';
  outcome?: CallOutcome;
};

/** What the calls need from the shell: where the person is, going somewhere, and the room sessions. */
type CallHooks = {
  /** Whether the screen shown is the call's room. */
  showing(room: string): boolean;
  /** Opens the call's room screen, joining its call at once. */
  openRoom(room: string): void;
  /** Opens the conversation with `username` (replacing the call's page in the history). */
  openThread(username: string): void;
  /** Leaves the room `room`'s session and call, without hanging up (the call is over or being ended). */
  leaveRoom(room: string): void;
  announce(text: string): void;
};

const STORE_KEY = 'parley:dm-call';
/** How long "Answered on another tab" and how a call ended stay in view. */
const NOTICE_MS = 3500;
/** How long a call whose room is gone waits for the socket to say how it ended. */
const ROOM_GONE_WAIT_MS = 2000;

/**
 * Calls from a conversation, for one signed-in tab, without any DOM: the calls ringing here,
 * the one call this tab is in (kept in sessionStorage, so a reload mid-call is still a call
 * with that person), and the intents (ring, accept, decline, cancel, hang up). Driven by the
 * DmSession's socket; the call itself runs in a RoomSession like any room's.
 */
export class DmCalls {
  readonly ringing = signal<readonly Ringing[]>([]);
  readonly call = signal<DmCall | undefined>(readStored());
  /** Why the last ring did not go out, for the Call button of that person. */
  readonly problem = signal<{ with: string; words: string } | undefined>(undefined);
  /** The person being rung while the server has not answered yet. */
  readonly placing = signal<string | undefined>(undefined);
  /**
   * Calls of mine answered on another tab (as caller or callee): ringing from here would end
   * them (the server allows one call per person), so this tab does not offer to.
   */
  readonly elsewhere = signal<ReadonlySet<string>>(new Set());
  private readonly offs: Array<() => void>;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  // call:ended can overtake the ring's ack (a busy callee): kept until the ack comes.
  private readonly endedEarly = new Map<string, CallEnded>();
  private readonly goneWaiting = new Set<string>();

  constructor(
    private readonly client: DmClient,
    private readonly hooks: CallHooks,
  ) {
    this.offs = [
      client.on('call:incoming', ({ call }) => this.incoming(call)),
      client.on('call:accepted', ({ id }) => this.accepted(id)),
      client.on('call:ended', (e) => this.ended(e)),
      // Whatever ended while disconnected was never said: rather forget a call than block calling for good.
      client.on('connected', () => (this.elsewhere.value = new Set())),
    ];
  }

  /** Whether this tab is in a call from a conversation, or placing one. */
  get busy(): boolean {
    const c = this.call.value;
    return !!c && c.phase !== 'ended';
  }

  /** Whether another tab of mine is in such a call. */
  get busyElsewhere(): boolean {
    return this.elsewhere.value.size > 0;
  }

  async ring(to: Party): Promise<void> {
    if (this.busy || this.placing.value) return;
    this.problem.value = undefined;
    this.placing.value = to.username;
    const ack = await this.client.callIntent('call:ring', { to: to.username });
    this.placing.value = undefined;
    if (!ack.ok) {
      this.problem.value = { with: to.username, words: ringProblem(ack.error.code, to, ack.error.message) };
      return;
    }
    this.set({ id: ack.call.id, room: ack.call.room, with: to, role: 'caller', phase: 'calling' });
    this.hooks.openRoom(ack.call.room);
    const early = this.endedEarly.get(ack.call.id);
    if (early) this.ended(early);
  }

  async accept(id: string): Promise<void> {
    const r = this.ringing.value.find((x) => x.id === id);
    if (r?.state !== 'ringing') return;
    this.setRinging(id, 'accepting');
    const answer = this.client.callIntent('call:accept', { id });
    // The call's room lets its callee in before the accept lands: joining (and opening the
    // microphone) while the accept is on its way saves its round trip from every answered call.
    const current = this.call.value;
    if (current && current.phase !== 'ended') this.leaveCall(current);
    const call: DmCall = { id, room: r.room, with: r.from, role: 'callee', phase: 'active' };
    this.set(call);
    this.hooks.openRoom(r.room);
    const ack = await answer;
    if (!ack.ok) {
      // Ended meanwhile (cancelled, timed out, taken on another tab): out of its room again.
      this.setRinging(id, 'gone');
      this.later(() => this.dropRinging(id));
      if (this.call.value?.id === id) {
        if (this.hooks.showing(r.room)) this.hooks.openThread(r.from.username);
        this.leaveCall(call);
      }
      return;
    }
    this.dropRinging(id);
    const early = this.endedEarly.get(id);
    if (early) this.ended(early);
  }

  decline(id: string): void {
    this.dropRinging(id);
    void this.client.callIntent('call:decline', { id });
  }

  /** The caller gives up before an answer, or either person ends the call: back to the conversation. */
  hangUp(): void {
    const c = this.call.value;
    if (!c || c.phase === 'ended') return;
    // hangup, not cancel, even while ringing: it cancels a call still ringing and ends one the other person just took.
    void this.client.callIntent('call:hangup', { id: c.id });
    // Away from the call's screen first, so that nothing opens its room again on the way out.
    if (this.hooks.showing(c.room)) this.hooks.openThread(c.with.username);
    this.leaveCall(c);
  }

  /** The other person is in the call's room: answered, even if `call:accepted` was missed (a reload while ringing). */
  answered(id: string): void {
    const c = this.call.value;
    if (c?.id === id && c.phase === 'calling') this.set({ ...c, phase: 'active' });
  }

  /**
   * The call's room is gone (closed when the call ended): whatever the socket missed, the call is
   * over. The room's stream often says so before the socket's `call:ended`, which says how it
   * ended ("declined"): that is waited for a moment before ending without it.
   */
  roomGone(id: string): void {
    const c = this.call.value;
    if (c?.id !== id || c.phase === 'ended' || this.goneWaiting.has(id)) return;
    this.goneWaiting.add(id);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.goneWaiting.delete(id);
      const now = this.call.value;
      if (now?.id === id && now.phase !== 'ended') this.finish(now, undefined);
    }, ROOM_GONE_WAIT_MS);
    this.timers.add(t);
  }

  private incoming(c: IncomingCall) {
    if (this.ringing.value.some((r) => r.id === c.id) || this.call.value?.id === c.id) return;
    this.ringing.value = [...this.ringing.value, { id: c.id, room: c.room, from: c.from, state: 'ringing' }];
  }

  private accepted(id: string) {
    const r = this.ringing.value.find((x) => x.id === id);
    if (r && r.state === 'ringing') {
      this.setRinging(id, 'elsewhere');
      this.later(() => this.dropRinging(id));
    }
    // Not this tab's call, nor being accepted here: one of my other tabs is in it.
    if (this.call.value?.id !== id && r?.state !== 'accepting') this.elsewhere.value = new Set([...this.elsewhere.value, id]);
    this.answered(id);
  }

  private ended(e: CallEnded) {
    if (this.ringing.value.some((r) => r.id === e.id && r.state !== 'elsewhere')) this.dropRinging(e.id);
    if (this.elsewhere.value.has(e.id)) this.elsewhere.value = new Set([...this.elsewhere.value].filter((x) => x !== e.id));
    const c = this.call.value;
    if (c?.id === e.id) {
      if (c.phase !== 'ended') this.finish(c, e.outcome);
    } else {
      this.endedEarly.set(e.id, e);
      this.later(() => this.endedEarly.delete(e.id));
    }
  }

  /**
   * The call ended without this tab's doing. On its screen, an answered call goes straight back
   * to the conversation (whose history now says "Call · 4 min"); any other ending is said in
   * words first. Elsewhere (the call bar) it just ends.
   */
  private finish(c: DmCall, outcome: CallOutcome | undefined) {
    const shown = this.hooks.showing(c.room);
    if (!shown || outcome === 'answered' || outcome === undefined) {
      if (shown) this.hooks.openThread(c.with.username);
      this.leaveCall(c);
      this.hooks.announce(`The call with ${c.with.displayName} ended.`);
      return;
    }
    this.set({ ...c, phase: 'ended', outcome });
    this.hooks.leaveRoom(c.room);
    this.later(() => {
      if (this.call.value?.id !== c.id) return;
      if (this.hooks.showing(c.room)) this.hooks.openThread(c.with.username);
      this.set(undefined);
    });
  }

  private leaveCall(c: DmCall) {
    this.set(undefined);
    this.hooks.leaveRoom(c.room);
  }

  private set(c: DmCall | undefined) {
    this.call.value = c;
    if (c && c.phase !== 'ended') sessionStorage.setItem(STORE_KEY, JSON.stringify(c));
    else sessionStorage.removeItem(STORE_KEY);
  }

  private setRinging(id: string, state: Ringing['state']) {
    this.ringing.value = this.ringing.value.map((r) => (r.id === id ? { ...r, state } : r));
  }

  private dropRinging(id: string) {
    this.ringing.value = this.ringing.value.filter((r) => r.id !== id);
  }

  private later(fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, NOTICE_MS);
    this.timers.add(t);
  }

  /** Sign-out: stops listening. The room session is closed by the shell; the server ends the call. */
  close(): void {
    for (const off of this.offs) off();
    for (const t of this.timers) clearTimeout(t);
    this.ringing.value = [];
    this.call.value = undefined;
    sessionStorage.removeItem(STORE_KEY);
  }
}

function ringProblem(code: string, to: Party, message: string): string {
  switch (code) {
    case 'blocked':
      return `You can’t call @${to.username}.`;
    case 'unknown_user':
      return `There is no user called @${to.username}.`;
    case 'rate_limited':
      return 'You are calling too often. Wait a minute, then try again.';
    case 'unavailable':
      return 'Parley could not place the call. Try again.';
    default:
      return message;
  }
}

function readStored(): DmCall | undefined {
  try {
    const c = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null') as DmCall | null;
    return c && typeof c.id === 'string' && typeof c.room === 'string' && typeof c.with?.username === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}
