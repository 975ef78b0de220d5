import { io } from 'socket.io-client';

/**
 * A hostile /dm client, run as a process of its own so that its cost does not
 * land on the server it floods: every `FLOOD_EVERY_MS` it emits
 * `FLOOD_BURST` dm:typing and `FLOOD_BURST` dm:read (with acks). When the
 * server disconnects or refuses it, it connects again 50 ms later. Prints
 * "ready" once first connected and a line per disconnect or refusal; runs
 * until killed.
 */
const env = process.env;
const burst = Number(env.FLOOD_BURST ?? 500);
const every = Number(env.FLOOD_EVERY_MS ?? 50);
const socket = io(`${env.FLOOD_URL}/dm`, {
  transports: ['websocket'],
  extraHeaders: { cookie: env.FLOOD_COOKIE ?? '', origin: env.FLOOD_ORIGIN ?? '' },
  reconnection: false,
});
let ready = false;
const again = () => setTimeout(() => socket.connect(), 50);
socket.on('connect', () => {
  if (!ready) process.stdout.write('ready\n');
  ready = true;
});
socket.on('disconnect', (reason) => {
  process.stdout.write(`disconnect ${reason}\n`);
  again();
});
socket.on('connect_error', (err) => {
  process.stdout.write(`refused ${err.message}\n`);
  again();
});
setInterval(() => {
  // Only while connected: socket.io-client would otherwise queue the events for later.
  if (!socket.connected) return;
  for (let i = 0; i < burst; i++) {
    socket.emit('dm:typing', { to: env.FLOOD_TO });
    socket.emit('dm:read', { with: env.FLOOD_TO, upTo: 1 + i }, () => {});
  }
}, every);
