import { createServer } from 'node:http';
import { Server } from 'socket.io';

/**
 * The baseline for bench/dm-throughput.ts: a raw Socket.IO relay on one
 * process. `dm:send` is emitted to the recipient's room and acked at once:
 * no session, no validation, no storage, no Redis.
 */
const http = createServer();
const io = new Server(http, { serveClient: false });
const nsp = io.of('/dm');
let nextId = 1;
nsp.on('connection', (socket) => {
  const user = String(socket.handshake.auth.user ?? '');
  socket.join(`user:${user}`);
  socket.on('dm:send', (payload: { to: string; body: string; clientId: string }, ack: (r: unknown) => void) => {
    const message = { id: nextId++, from: user, to: payload.to, body: payload.body, createdAt: new Date().toISOString(), clientId: payload.clientId };
    nsp.to([`user:${user}`, `user:${payload.to}`]).emit('dm:message', message);
    ack({ ok: true, message });
  });
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
