import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient } from '../test/sse-client.js';
import { sseFrame } from './events.js';
import { eventStreamHeaders, LocalStream } from './event-stream.js';

/** LocalStream over a real HTTP connection: what reaches the client after catch-up and live races. */
let server: http.Server | undefined;
afterEach(() => {
  server?.close();
  server?.closeAllConnections();
});

async function streamTo(script: (stream: LocalStream) => void, beforeBegin?: (stream: LocalStream) => void): Promise<SseClient> {
  server = http.createServer((_req, res) => {
    const stream = new LocalStream('room', 'peer', res, 1 << 20, () => {});
    beforeBegin?.(stream);
    stream.begin(eventStreamHeaders({}));
    script(stream);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const client = new SseClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {});
  await client.open();
  return client;
}

const frame = (id: string) => sseFrame(id, 'signal', JSON.stringify({ id }));

describe('LocalStream', () => {
  it('holds live events during the catch-up and releases only those after it', async () => {
    const client = await streamTo((s) => {
      s.deliver('10-0', frame('10-0'), false); // arrived live while catching up, also in the catch-up
      s.deliver('11-0', frame('11-0'), false); // arrived live, after the catch-up's end
      s.writeCaughtUp('9-0', frame('9-0'), false);
      s.writeCaughtUp('10-0', frame('10-0'), false);
      s.goLive();
      s.deliver('12-0', frame('12-0'), false);
    });
    for (let i = 0; i < 4; i++) await client.next();
    expect(client.events.map((e) => e.id)).toEqual(['9-0', '10-0', '11-0', '12-0']);
    client.close();
  });

  it('drops a live event the catch-up already wrote even when it arrives after going live', async () => {
    const client = await streamTo((s) => {
      s.writeCaughtUp('20-0', frame('20-0'), false);
      s.writeCaughtUp('20-1', frame('20-1'), false);
      s.goLive();
      // The subscriber connection delivers these after the command connection's catch-up.
      s.deliver('20-0', frame('20-0'), false);
      s.deliver('20-1', frame('20-1'), false);
      s.deliver('21-0', frame('21-0'), false);
    });
    for (let i = 0; i < 3; i++) await client.next();
    await new Promise((r) => setTimeout(r, 100));
    expect(client.events.map((e) => e.id)).toEqual(['20-0', '20-1', '21-0']);
    client.close();
  });

  it('writes nothing before it begins: a keep-alive due while the stream opens cannot send a head of its own', async () => {
    const client = await streamTo(
      (s) => {
        s.writeCaughtUp('40-0', frame('40-0'), false);
        s.goLive();
      },
      (s) => s.write(Buffer.from(':\n\n')),
    );
    expect(client.status).toBe(200);
    expect(client.responseHeaders['content-type']).toBe('text/event-stream; charset=utf-8');
    expect((await client.next()).id).toBe('40-0');
    expect(client.comments).toBe(0);
    client.close();
  });

  it('ends the stream after an event marked last', async () => {
    const client = await streamTo((s) => {
      s.goLive();
      s.deliver('30-0', frame('30-0'), true);
      s.deliver('31-0', frame('31-0'), false);
    });
    await client.whenEnded();
    expect(client.events.map((e) => e.id)).toEqual(['30-0']);
  });
});
