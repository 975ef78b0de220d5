import { signal } from '@preact/signals';

/**
 * Files sent peer to peer in a call, without any DOM. Nothing goes through the server: the bytes
 * travel on RTCDataChannels of the call's own peer connections (one per other member, see
 * peer-link.ts), and only the offer and answer that add data channels to a connection go through
 * the room's signalling, once per connection.
 *
 * One data channel per transfer, labelled `file:<id>`, opened by the sender on the connection to
 * the receiver. Several transfers at once are several channels, each with its own back-pressure,
 * and a transfer ends by closing its channel. The messages, JSON text except the file's bytes:
 *
 *   receiver → `{t:'ready'}`        its handlers are attached (this module is fetched lazily, so
 *                                    the receiving tab may still be loading it when the channel
 *                                    opens: the sender says nothing before this)
 *   sender   → `{t:'offer', name, size, type, sha256}`
 *   receiver → `{t:'accept'}` or `{t:'decline'}`: the person chose; nothing is sent unasked
 *   sender   → the bytes, in binary messages of at most CHUNK_BYTES, in order
 *   receiver → `{t:'done', ok}`     all bytes arrived; ok: their SHA-256 is the offered one
 *   either   → `{t:'cancel'}`        the person stopped it; the channel closes
 *   receiver → `{t:'busy'}`          instead of ready: MAX_INCOMING_PER_PEER transfers from this
 *                                    sender already wait or run; the sender closes the channel
 *
 * Sending keeps the channel's bufferedAmount under BUFFER_CAP_BYTES, waiting for
 * `bufferedamountlow` (at BUFFER_LOW_BYTES) before queueing more, so a fast sender never piles
 * a whole file into the browser's buffers. The sender reads the whole file into memory once (at
 * most MAX_FILE_BYTES) and hashes it with crypto.subtle, which runs off the page's main thread;
 * the receiver writes the chunks into one buffer of the offered size and hashes that.
 */

/** The largest file Parley sends: 100 MB (MiB), held in memory on both sides while it travels. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;
/** 64 KiB: within every browser's SCTP message size (RFC 8841's default when none is announced). */
export const CHUNK_BYTES = 64 * 1024;
export const BUFFER_CAP_BYTES = 1024 * 1024;
export const BUFFER_LOW_BYTES = 256 * 1024;
/** How often progress is published while bytes flow: often enough for a smooth bar, rarely enough to cost nothing. */
const PROGRESS_EVERY_MS = 100;
const LABEL_PREFIX = 'file:';
/**
 * How many transfers from one person may be offered or under way at once. More channels from
 * them are closed unseen: a flood of offers would bury the list (and each one answered costs a
 * message), while a person sending a few files at a time never meets it.
 */
const MAX_INCOMING_PER_PEER = 8;
/**
 * How long an ended transfer's channel stays open here. Closing a channel at once can drop the
 * message just sent on it (Chromium resets the stream before queued messages go): the other side
 * would see "The connection was lost." instead of the cancel, decline or busy. The other side
 * closes it on hearing that message; this closes one that does not.
 */
const CLOSE_AFTER_MS = 5000;

type TransferState =
  /** Sender: reading and hashing the file. */
  | 'preparing'
  /** Sender: offered, waiting for the person to accept. Receiver: waiting for this person's answer. */
  | 'offered'
  | 'sending'
  | 'receiving'
  /** Receiver: computing the hash; sender: waiting for the receiver's check. */
  | 'checking'
  | 'complete'
  | 'declined'
  | 'cancelled'
  | 'damaged'
  | 'failed';

/** One file going to or coming from one person, as the screens show it. */
export type Transfer = {
  readonly id: string;
  readonly direction: 'out' | 'in';
  readonly peerId: string;
  /** The other person's display name. */
  readonly who: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  /** Bytes delivered so far (sender: handed over and gone from the buffer; receiver: arrived). */
  readonly done: number;
  readonly state: TransferState;
  /** Why it ended the way it did, in words ("Cancelled by Ann."), when it did not complete. */
  readonly note?: string;
  /** Receiver, complete: the file as a blob: URL to download, revoked when the transfer is removed. */
  readonly url?: string;
  /** performance.now() when the bytes started and when the last one arrived or left (benches). */
  readonly startedAt?: number;
  readonly finishedAt?: number;
};

/** What the transfers need from the call. */
type TransferHost = {
  /** A new data channel on the connection to `peerId`, or undefined when there is none. */
  openChannel(peerId: string, label: string): RTCDataChannel | undefined;
  /** The largest message the connection to `peerId` takes (its SCTP transport's), when known. */
  maxMessageSize(peerId: string): number | undefined;
  nameOf(peerId: string): string;
  announce(text: string): void;
};

type Offer = { t: 'offer'; name: string; size: number; type: string; sha256: string };

/** Why `file` cannot be sent, in words; undefined when it can. Checked before it is read. */
export function refusal(file: { name: string; size: number }): string | undefined {
  if (file.size > MAX_FILE_BYTES) return `${file.name} (${formatSize(file.size)}) is too large: a call sends files of up to ${formatSize(MAX_FILE_BYTES)}.`;
  if (file.size === 0) return `${file.name} is empty: there is nothing to send.`;
  return undefined;
}

/** "20 MB", "3.2 MB", "512 KB": one decimal under 10, in units of 1024. */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  if (u === 0) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const rounded = n < 10 ? Math.round(n * 10) / 10 : Math.round(n);
  return `${rounded} ${units[u]}`;
}

/** "3.2 of 20 MB": progress in the unit of the whole. */
export function formatProgress(done: number, size: number): string {
  const whole = formatSize(size);
  const unit = whole.split(' ')[1]!;
  const scale = unit === 'GB' ? 1024 ** 3 : unit === 'MB' ? 1024 ** 2 : unit === 'KB' ? 1024 : 1;
  if (scale === 1) return `${done} of ${whole}`;
  const n = done / scale;
  return `${n < 10 ? Math.floor(n * 10) / 10 : Math.floor(n)} of ${whole}`;
}

export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether `bytes` are the file whose SHA-256 (hex) is `expected`. */
export async function verify(bytes: BufferSource, expected: string): Promise<boolean> {
  return (await sha256Hex(bytes)) === expected.toLowerCase();
}

/** A channel label of this module's: `file:<id>`. */
function isFileChannel(label: string): boolean {
  return label.startsWith(LABEL_PREFIX);
}

function parseOffer(data: unknown): Offer | undefined {
  const o = data as Partial<Offer> | null;
  if (o?.t !== 'offer' || typeof o.name !== 'string' || typeof o.type !== 'string' || typeof o.sha256 !== 'string') return undefined;
  if (!Number.isSafeInteger(o.size) || o.size! <= 0 || o.size! > MAX_FILE_BYTES || !/^[0-9a-f]{64}$/.test(o.sha256)) return undefined;
  // A name is a name, not a path; long ones are cut.
  const name = o.name.replace(/[/\\]/g, '_').trim().slice(0, 200) || 'file';
  return { t: 'offer', name, size: o.size!, type: o.type.slice(0, 100), sha256: o.sha256 };
}

/** Live transfer state that is not shown: the channel and what the bytes need. */
type Running = {
  channel: RTCDataChannel;
  /** Sender: the file. Receiver: where the bytes go, once accepted. */
  bytes?: Uint8Array<ArrayBuffer>;
  sha256: string;
  /** Set when this transfer is over, for whatever reason: nothing more is done for it. */
  over: boolean;
  lastProgress: number;
  wake?: () => void;
  /** Receiver: who opened the channel. */
  from?: string;
};

/**
 * The transfers of one call, this tab's side of them: a list the screens render, and the
 * intents (send, accept, decline, cancel, remove).
 */
export class FileTransfers {
  readonly list = signal<readonly Transfer[]>([]);
  /** Why the last file picked was not sent (too large, empty), until the next one is. */
  readonly problem = signal('');
  private readonly running = new Map<string, Running>();

  constructor(private readonly host: TransferHost) {}

  /**
   * Offers `file` to each of `peerIds` (one transfer each). A file over the limit is refused
   * here with the reason, before any of it is read or anything is sent; so is one with no one to go to.
   */
  async send(file: File, peerIds: readonly string[]): Promise<string | undefined> {
    const why = refusal(file) ?? (peerIds.length === 0 ? 'There is no one in the call to send it to.' : undefined);
    this.problem.value = why ?? '';
    if (why) return why;
    const ids = peerIds.map((peerId) => {
      const id = crypto.randomUUID();
      this.add({ id, direction: 'out', peerId, who: this.host.nameOf(peerId), name: file.name, size: file.size, type: file.type, done: 0, state: 'preparing' });
      return id;
    });
    let bytes: Uint8Array<ArrayBuffer>;
    let sha256: string;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
      sha256 = await sha256Hex(bytes);
    } catch (err) {
      for (const id of ids) this.update(id, { state: 'failed', note: `The file could not be read: ${(err as Error).message}` });
      return undefined;
    }
    for (const id of ids) {
      const t = this.get(id);
      // Cancelled while it was being read.
      if (t?.state !== 'preparing') continue;
      const channel = this.host.openChannel(t.peerId, LABEL_PREFIX + id);
      if (!channel) {
        this.update(id, { state: 'failed', note: `${t.who} is not connected.` });
        continue;
      }
      this.update(id, { state: 'offered' });
      this.attach(id, { channel, bytes, sha256, over: false, lastProgress: 0 });
      channel.addEventListener('message', (e) => {
        const m = control(e.data);
        if (m?.t === 'ready') this.say(id, { t: 'offer', name: file.name, size: file.size, type: file.type, sha256 });
        else if (m?.t === 'accept') void this.pump(id);
        else if (m?.t === 'decline') this.end(id, { state: 'declined', note: `${t.who} declined.` }, false);
        else if (m?.t === 'busy')
          this.end(
            id,
            { state: 'failed', note: `${t.who} has ${MAX_INCOMING_PER_PEER} of your files to answer already; send this one once they have.` },
            false,
          );
        else if (m?.t === 'done')
          this.end(
            id,
            m.ok ? { state: 'complete', done: file.size } : { state: 'damaged', note: `The file reached ${t.who} damaged; it was discarded.` },
            false,
          );
      });
    }
    return undefined;
  }

  /** A data channel the other side opened (peer-link's `ondatachannel`): an offer of a file. */
  incoming(peerId: string, channel: RTCDataChannel): void {
    if (!isFileChannel(channel.label)) return;
    const id = channel.label.slice(LABEL_PREFIX.length);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || this.get(id) || channel.readyState === 'closing' || channel.readyState === 'closed') {
      channel.close();
      return;
    }
    if ([...this.running.values()].filter((r) => r.from === peerId).length >= MAX_INCOMING_PER_PEER) {
      const busy = () => {
        channel.send(JSON.stringify({ t: 'busy' }));
        closeLater(channel);
      };
      if (channel.readyState === 'open') busy();
      else channel.addEventListener('open', busy, { once: true });
      return;
    }
    const who = this.host.nameOf(peerId);
    const run: Running = { channel, sha256: '', over: false, lastProgress: 0, from: peerId };
    let received = 0;
    channel.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') {
        const t = this.get(id);
        const chunk = new Uint8Array(e.data as ArrayBuffer);
        if (t?.state !== 'receiving' || !run.bytes || received + chunk.byteLength > t.size) {
          if (t && !run.over) this.end(id, { state: 'failed', note: `${who} sent more than the file.` }, true);
          return;
        }
        run.bytes.set(chunk, received);
        received += chunk.byteLength;
        this.progress(id, received, received === t.size);
        if (received === t.size) void this.check(id);
        return;
      }
      const m = control(e.data);
      if (m?.t === 'offer' && !this.get(id)) {
        const offer = parseOffer(m);
        if (!offer) {
          channel.close();
          return;
        }
        run.sha256 = offer.sha256;
        this.add({ id, direction: 'in', peerId, who, name: offer.name, size: offer.size, type: offer.type, done: 0, state: 'offered' });
        this.host.announce(`${who} wants to send you ${offer.name} (${formatSize(offer.size)}).`);
      }
    });
    this.attach(id, run);
    const ready = () => channel.send(JSON.stringify({ t: 'ready' }));
    if (channel.readyState === 'open') ready();
    else channel.addEventListener('open', ready, { once: true });
  }

  accept(id: string): void {
    const t = this.get(id);
    const run = this.running.get(id);
    if (!t || !run || t.direction !== 'in' || t.state !== 'offered') return;
    try {
      run.bytes = new Uint8Array(t.size);
    } catch {
      this.end(id, { state: 'failed', note: 'There is not enough memory for this file.' }, true);
      return;
    }
    this.update(id, { state: 'receiving', startedAt: performance.now() });
    this.say(id, { t: 'accept' });
  }

  decline(id: string): void {
    const t = this.get(id);
    if (t?.direction !== 'in' || t.state !== 'offered') return;
    this.say(id, { t: 'decline' });
    this.end(id, { state: 'declined', note: 'You declined.' }, false);
  }

  /** Stops a transfer that is under way (either side); the other side is told. */
  cancel(id: string): void {
    const t = this.get(id);
    if (!t || !isLive(t.state)) return;
    this.end(id, { state: 'cancelled', note: 'You cancelled.' }, true);
  }

  /** Takes a finished transfer off the list, letting go of its file. */
  remove(id: string): void {
    const t = this.get(id);
    if (!t) return;
    if (isLive(t.state)) this.cancel(id);
    if (t.url) URL.revokeObjectURL(t.url);
    this.list.value = this.list.value.filter((x) => x.id !== id);
  }

  /**
   * The connection to `peerId` is gone (they left the call), or every connection (`undefined`:
   * this tab left it): what was under way with them stops. A closed connection does not always
   * close its channels' ends here with an event, so this does not wait for one.
   */
  lost(peerId?: string): void {
    for (const t of this.list.value) {
      if (isLive(t.state) && (peerId === undefined || t.peerId === peerId)) {
        this.end(t.id, { state: 'failed', note: peerId === undefined ? 'The call ended.' : `${t.who} left the call.` }, false);
      }
    }
  }

  /** The session is over: everything stops, and every file is let go. */
  dispose(): void {
    for (const t of this.list.value) this.remove(t.id);
  }

  // ---- the sending side ----------------------------------------------------------------
  /** Sends the bytes as fast as the channel drains, never more than BUFFER_CAP_BYTES ahead of it. */
  private async pump(id: string) {
    const run = this.running.get(id);
    const t = this.get(id);
    if (!run?.bytes || !t || t.state !== 'offered') return;
    const { channel, bytes } = run;
    const chunk = Math.min(CHUNK_BYTES, this.host.maxMessageSize(t.peerId) || CHUNK_BYTES);
    channel.bufferedAmountLowThreshold = BUFFER_LOW_BYTES;
    const onLow = () => run.wake?.();
    channel.addEventListener('bufferedamountlow', onLow);
    this.update(id, { state: 'sending', startedAt: performance.now() });
    let offset = 0;
    try {
      while (offset < bytes.byteLength && !run.over) {
        if (channel.bufferedAmount + chunk > BUFFER_CAP_BYTES) {
          await new Promise<void>((resolve) => (run.wake = resolve));
          continue;
        }
        const end = Math.min(offset + chunk, bytes.byteLength);
        channel.send(bytes.subarray(offset, end));
        offset = end;
        this.progress(id, offset - channel.bufferedAmount, false);
      }
      // The last bytes are on their way: report them gone as the buffer drains, then wait for the check.
      while (!run.over && channel.bufferedAmount > 0) {
        await new Promise<void>((resolve) => {
          run.wake = resolve;
          channel.bufferedAmountLowThreshold = 0;
        });
        this.progress(id, offset - channel.bufferedAmount, false);
      }
    } catch (err) {
      if (!run.over) this.end(id, { state: 'failed', note: `Sending stopped: ${(err as Error).message}` }, true);
      return;
    } finally {
      channel.removeEventListener('bufferedamountlow', onLow);
    }
    if (run.over) return;
    this.progress(id, bytes.byteLength, true);
    this.update(id, { state: 'checking', finishedAt: performance.now() });
  }

  // ---- the receiving side --------------------------------------------------------------
  private async check(id: string) {
    const run = this.running.get(id);
    const t = this.get(id);
    if (!run?.bytes || !t) return;
    this.update(id, { state: 'checking', finishedAt: performance.now() });
    const ok = await verify(run.bytes, run.sha256);
    if (run.over) return;
    this.say(id, { t: 'done', ok });
    if (!ok) {
      this.end(id, { state: 'damaged', note: 'The file arrived damaged and was discarded.' }, false);
      return;
    }
    const url = URL.createObjectURL(new Blob([run.bytes], { type: t.type || 'application/octet-stream' }));
    this.end(id, { state: 'complete', url }, false);
  }

  // ---- plumbing ------------------------------------------------------------------------
  private attach(id: string, run: Running) {
    this.running.set(id, run);
    const { channel } = run;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (e) => {
      if (typeof e.data === 'string' && control(e.data)?.t === 'cancel') {
        const t = this.get(id);
        this.end(id, { state: 'cancelled', note: `Cancelled by ${t?.who ?? 'the other person'}.` }, false);
      }
    });
    channel.addEventListener('close', () => {
      if (!run.over) this.end(id, { state: 'failed', note: 'The connection was lost.' }, false);
    });
  }

  /** Ends transfer `id` with `change`; `tell`: says cancel to the other side first. */
  private end(id: string, change: Partial<Transfer>, tell: boolean) {
    const run = this.running.get(id);
    const t = this.get(id);
    // Without a channel yet (still being read), only a live transfer can end.
    if (run ? run.over : !t || !isLive(t.state)) return;
    if (run) {
      run.over = true;
      if (tell) this.say(id, { t: 'cancel' });
      this.running.delete(id);
      run.wake?.();
      run.bytes = undefined;
      closeLater(run.channel);
    }
    this.update(id, change);
    if (t) this.host.announce(endWords(t, change));
  }

  private say(id: string, message: object) {
    const channel = this.running.get(id)?.channel;
    const send = () => channel?.send(JSON.stringify(message));
    if (channel?.readyState === 'open') send();
    // Chromium may deliver the other side's first message before this side's `open` event, while
    // the channel still says 'connecting' and refuses to send: the answer waits for `open`.
    else if (channel?.readyState === 'connecting') channel.addEventListener('open', send, { once: true });
  }

  private progress(id: string, done: number, force: boolean) {
    const run = this.running.get(id);
    if (!run) return;
    const now = performance.now();
    if (!force && now - run.lastProgress < PROGRESS_EVERY_MS) return;
    run.lastProgress = now;
    this.update(id, { done: Math.max(0, done) });
  }

  private get(id: string): Transfer | undefined {
    return this.list.value.find((t) => t.id === id);
  }

  private add(t: Transfer) {
    this.list.value = [...this.list.value, t];
  }

  private update(id: string, change: Partial<Transfer>) {
    this.list.value = this.list.value.map((t) => (t.id === id ? { ...t, ...change } : t));
  }
}

/** A state in which bytes may still move. */
export function isLive(state: TransferState): boolean {
  return state === 'preparing' || state === 'offered' || state === 'sending' || state === 'receiving' || state === 'checking';
}

/** Closes `channel` after CLOSE_AFTER_MS, unless the other side closed it first. */
function closeLater(channel: RTCDataChannel) {
  setTimeout(() => channel.close(), CLOSE_AFTER_MS);
}

function control(data: unknown): { t: string; ok?: boolean } | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const m = JSON.parse(data) as { t?: unknown };
    return m && typeof m.t === 'string' ? (m as { t: string; ok?: boolean }) : undefined;
  } catch {
    return undefined;
  }
}

function endWords(t: Transfer, change: Partial<Transfer>): string {
  if (change.state === 'complete') return t.direction === 'in' ? `${t.name} arrived from ${t.who}.` : `${t.name} reached ${t.who}.`;
  return `${t.name}: ${change.note ?? 'stopped.'}`;
}
