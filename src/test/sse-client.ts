import http from 'node:http';

export type SseEvent = { id: string; event: string; data: any };

/**
 * A minimal EventSource for tests, over node:http so that it can send the
 * session cookie and Last-Event-ID. It records every event; `next()` waits
 * for the next one matching a predicate, so tests wait on events, never on
 * sleeps.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  responseHeaders: http.IncomingHttpHeaders = {};
  errorBody = '';
  comments = 0;
  ended = false;
  private cursor = 0;
  private waiters: Array<() => void> = [];
  private req?: http.ClientRequest;
  private endedPromise: Promise<void>;
  private resolveEnded!: () => void;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {
    this.endedPromise = new Promise((r) => (this.resolveEnded = r));
  }

  /** Connects; resolves with the status once headers arrive (the body keeps streaming). */
  open(): Promise<number> {
    return new Promise((resolve, reject) => {
      // A connection of its own, as a browser's EventSource has: no pooled socket reuse.
      this.req = http.get(this.url, { headers: this.headers, agent: false }, (res) => {
        this.status = res.statusCode ?? 0;
        this.responseHeaders = res.headers;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          if (this.status !== 200) {
            this.errorBody += chunk;
            return;
          }
          buffer += chunk;
          for (let split = buffer.indexOf('\n\n'); split >= 0; split = buffer.indexOf('\n\n')) {
            this.parse(buffer.slice(0, split));
            buffer = buffer.slice(split + 2);
          }
        });
        const finish = () => {
          this.ended = true;
          this.resolveEnded();
          this.wake();
        };
        res.on('end', finish);
        res.on('close', finish);
        resolve(this.status);
      });
      this.req.on('error', (err) => {
        if (!this.status) reject(err);
        this.ended = true;
        this.resolveEnded();
        this.wake();
      });
    });
  }

  get lastEventId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  /** The next event (after those already taken) that matches, within `timeoutMs`. */
  async next(match: (e: SseEvent) => boolean = () => true, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.events.length) {
        const e = this.events[this.cursor++]!;
        if (match(e)) return e;
      }
      if (this.ended) throw new Error(`stream ended (status ${this.status} ${this.errorBody}); events: ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for an event; got: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  nextOf(event: string, timeoutMs?: number) {
    return this.next((e) => e.event === event, timeoutMs);
  }

  /** Resolves when the server ends the stream. */
  whenEnded(timeoutMs = 5000): Promise<void> {
    return Promise.race([this.endedPromise, new Promise<void>((_, reject) => setTimeout(() => reject(new Error('stream did not end')), timeoutMs))]);
  }

  close() {
    this.req?.destroy();
  }

  describe(): string {
    return this.events.map((e) => e.event).join(', ') || '(none)';
  }

  private parse(block: string) {
    let id = '';
    let event = 'message';
    const data: string[] = [];
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments += 1;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') {
        data.push(value);
        isEvent = true;
      }
    }
    if (!isEvent) return;
    this.events.push({ id, event, data: JSON.parse(data.join('\n')) });
    this.wake();
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
