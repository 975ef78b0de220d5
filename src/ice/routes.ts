import { Hono } from 'hono';
import type { Config } from '../config/config.js';
import type { AuthedEnv } from '../http/app-env.js';
import { iceServersFor } from './turn.js';

/** `GET /api/ice-servers`: STUN/TURN servers for RTCPeerConnection, with fresh TURN credentials. */
export function iceRoutes({ ice }: { ice: Config['ice'] }) {
  return new Hono<AuthedEnv>().get('/', (c) => c.json({ iceServers: iceServersFor(ice, c.var.user.id), ttl: ice.turnTtlSeconds }));
}
