import type { ServerResponse } from 'node:http';
import { compareEventIds } from './events.js';

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform and X-Accel-Buffering keep compressing or buffering proxies from holding events back.
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/**
 * The head of every event stream (and of HEAD on it): the app's security headers, which
 * the middleware cannot add to a response written straight to Node, and the stream's own.
 */
export function eventStreamHeaders(security: Record<string, string>): Record<string, string> {
  return { ...security, ...STREAM_HEADERS };
}
// Browsers reconnect after this many milliseconds when a stream drops.
const PREAMBLE = Buffer.from('retry: 2000\n\n');

type Held = { id: string; frame: Buffer; last: boolean };

const ignore = () => {};

/**
 * One open event stream, written straight to Node's ServerResponse: no web
 * streams in between, so an idle stream costs little more than its socket.
 *
 * Until `goLive()` it holds live events back while the catch-up (replay or
 * welcome) is written, then releases those not already covered by it.
 * Output is bounded: a client that stops reading is dropped once
 * `maxBuffered` bytes wait for it, so it cannot slow anyone else down; it
 * reconnects and replays what it missed.
 */
export class LocalStream {
  private held: Held[] | null = [];
  private lastId = '0-0';
  private done = false;
  /** Set once the head is written: before that, nothing may be written (a keep-alive would send an implicit head). */
  private started = false;
  /** True when the member itself is gone (left, expired, room closed): no grace period follows. */
  membershipEnded = false;

  constructor(
    readonly room: string,
    readonly peerId: string,
    private readonly res: ServerResponse,
    private readonly maxBuffered: number,
    onClosed: (stream: LocalStream) => void,
  ) {
    // A failed write must never become an unhandled 'error' that takes the process down.
    res.on('error', ignore);
    res.once('close', () => {
      this.done = true;
      this.held = null;
      onClosed(this);
    });
  }

  /** Sends the headers (see eventStreamHeaders); after this the stream owns the response. */
  begin(headers: Record<string, string>): void {
    if (this.done) return;
    const res = this.res;
    res.socket?.setTimeout(0);
    res.socket?.setNoDelay(true);
    res.writeHead(200, headers);
    res.write(PREAMBLE);
    this.started = true;
  }

  /** The id the catch-up starts after: held events up to it are not sent again. */
  startAt(id: string): void {
    this.lastId = id;
  }

  /** Writes a catch-up event now, ahead of any held live events. */
  writeCaughtUp(id: string, frame: Buffer, last: boolean): void {
    this.lastId = id;
    this.writeEvent(frame, last);
  }

  /**
   * A live event: held while catching up, written otherwise, unless the
   * catch-up already wrote it. The catch-up is read on the command
   * connection while live events arrive on the subscriber connection, so an
   * event the catch-up included can still come in live afterwards.
   */
  deliver(id: string, frame: Buffer, last: boolean): void {
    if (this.held) this.held.push({ id, frame, last });
    else if (compareEventIds(id, this.lastId) > 0) this.writeLive(id, frame, last);
  }

  goLive(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) {
      if (compareEventIds(event.id, this.lastId) > 0) this.writeLive(event.id, event.frame, event.last);
    }
  }

  private writeLive(id: string, frame: Buffer, last: boolean): void {
    this.lastId = id;
    this.writeEvent(frame, last);
  }

  write(chunk: Buffer): void {
    // A keep-alive can come due while the stream is still being opened: writing it then would
    // send an implicit 200 head with the wrong headers, and the real head would then fail.
    if (this.done || !this.started) return;
    if (this.res.writableLength > this.maxBuffered) {
      // A stuck reader: cut it off rather than buffer without bound.
      this.done = true;
      this.res.destroy();
      return;
    }
    this.res.write(chunk);
  }

  /** Gives the response back untouched (nothing was written), e.g. so an error can be answered on it. */
  abandon(): void {
    this.done = true;
    this.held = null;
  }

  /** Ended, or its connection closed: nothing more will be written. */
  get closed(): boolean {
    return this.done;
  }

  get begun(): boolean {
    return this.res.headersSent;
  }

  end(): void {
    if (this.done) return;
    // Nothing more may be written from here on, even before 'close' arrives.
    this.done = true;
    this.held = null;
    if (this.res.headersSent) this.res.end();
    else this.res.destroy();
  }

  private writeEvent(frame: Buffer, last: boolean): void {
    this.write(frame);
    if (last) {
      this.membershipEnded = true;
      this.end();
    }
  }
}
