import type { ServerResponse } from 'node:http';

// Browsers reconnect after this many milliseconds when a stream drops.
const PREAMBLE = Buffer.from('retry: 2000\n\n');
const ignore = () => {};

/** One lobby event as written on the wire: serialised once, the same bytes for every stream. */
export function lobbyFrame(type: string, data: string): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${data}\n\n`);
}

/**
 * One open lobby stream, written straight to Node's ServerResponse (as the room
 * streams in src/rooms/event-stream.ts). Until `goLive(seq)` it holds live
 * events back while the `rooms` snapshot is read; then it releases those newer
 * than the snapshot (older ones the snapshot already shows). A client that stops
 * reading is cut off once `maxBuffered` bytes wait for it; it reconnects to a
 * fresh snapshot.
 */
export class LobbyStream {
  private held: Array<{ seq: number; frame: Buffer }> | null = [];
  /** The number taken before the snapshot was read: events numbered below it are older than the snapshot. */
  private since = Infinity;
  private done = false;
  private started = false;

  constructor(
    readonly userId: number,
    readonly sessionId: string,
    private readonly res: ServerResponse,
    private readonly maxBuffered: number,
    onClosed: (stream: LobbyStream) => void,
  ) {
    res.on('error', ignore);
    res.once('close', () => {
      this.done = true;
      this.held = null;
      onClosed(this);
    });
  }

  begin(headers: Record<string, string>): void {
    if (this.done) return;
    this.res.socket?.setTimeout(0);
    this.res.socket?.setNoDelay(true);
    this.res.writeHead(200, headers);
    this.res.write(PREAMBLE);
    this.started = true;
  }

  /**
   * A live event: held while the snapshot is being read, written otherwise, unless it
   * is older than the snapshot (a slow publisher's, arriving late): the snapshot shows
   * newer news of that room already.
   */
  deliver(seq: number, frame: Buffer): void {
    if (this.held) this.held.push({ seq, frame });
    else if (seq > this.since) this.write(frame);
  }

  /** Writes the snapshot (read after `seq` was taken), then the held events newer than it. */
  goLive(snapshot: Buffer, seq: number): void {
    const held = this.held ?? [];
    this.held = null;
    this.since = seq;
    this.write(snapshot);
    for (const event of held) if (event.seq > seq) this.write(event.frame);
  }

  write(chunk: Buffer): void {
    if (this.done || !this.started) return;
    if (this.res.writableLength > this.maxBuffered) {
      this.done = true;
      this.res.destroy();
      return;
    }
    this.res.write(chunk);
  }

  get closed(): boolean {
    return this.done;
  }

  get begun(): boolean {
    return this.res.headersSent;
  }

  /** Gives the response back untouched, so that an error can be answered on it. */
  abandon(): void {
    this.done = true;
    this.held = null;
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.held = null;
    if (this.res.headersSent) this.res.end();
    else this.res.destroy();
  }
}
