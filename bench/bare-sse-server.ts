import http from 'node:http';
import { Redis } from 'ioredis';

/**
 * The baseline for bench/streams.ts: a bare node:http SSE server with the
 * same job as Parley's hub and nothing else: one Redis subscriber for all
 * streams, a channel per room, each message written to the room's streams.
 * No auth, no membership, no replay.
 */

const port = Number(process.env.PORT ?? 0);
const prefix = process.env.CHANNEL_PREFIX ?? 'bare:';
const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { connectionName: 'bare-sub' });
const rooms = new Map<string, Set<http.ServerResponse>>();

subscriber.on('message', (channel: string, message: string) => {
  const streams = rooms.get(channel);
  if (!streams) return;
  const frame = Buffer.from(`data: ${message}\n\n`);
  for (const res of streams) if (!res.writableEnded) res.write(frame);
});

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const room = url.searchParams.get('room');
  if (url.pathname !== '/events' || !room) {
    res.writeHead(404).end();
    return;
  }
  const channel = prefix + room;
  let streams = rooms.get(channel);
  if (!streams) {
    streams = new Set();
    rooms.set(channel, streams);
    void subscriber.subscribe(channel);
  }
  streams.add(res);
  res.on('error', () => {});
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(':\n\n');
  res.on('close', () => {
    streams.delete(res);
    if (streams.size === 0) {
      rooms.delete(channel);
      void subscriber.unsubscribe(channel);
    }
  });
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ listening: typeof address === 'object' ? address?.port : port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
