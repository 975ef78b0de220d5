import type { ServerResponse } from 'node:http';
import { serve, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

/**
 * The baseline for bench/signal-latency.ts: the least a Redis-carried signal
 * hop can do. A minimal Hono POST that PUBLISHes the body, and a minimal SSE
 * relay that writes whatever its one subscriber receives. No sessions, no
 * membership, no event ids, no replay.
 */

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const channel = `${process.env.CHANNEL_PREFIX ?? 'bare-hop:'}room`;
const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const streams = new Set<ServerResponse>();

await subscriber.subscribe(channel);
subscriber.on('message', (_channel: string, message: string) => {
  const frame = Buffer.from(`event: signal\ndata: ${message}\n\n`);
  for (const res of streams) res.write(frame);
});

const app = new Hono<{ Bindings: HttpBindings }>();
app.post('/signal', async (c) => {
  await publisher.publish(channel, await c.req.text());
  return c.body(null, 202);
});
app.get('/events', (c) => {
  const res = c.env.outgoing;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(':\n\n');
  streams.add(res);
  res.on('close', () => streams.delete(res));
  return RESPONSE_ALREADY_SENT;
});
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));
