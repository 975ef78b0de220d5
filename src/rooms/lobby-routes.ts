import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import type { AuthedEnv } from '../http/app-env.js';
import type { Lobby } from './lobby.js';

/** The lobby stream: `GET /api/lobby/events` (signed-in users only; see docs/api.md). */
export function lobbyRoutes({ lobby }: { lobby: Lobby }) {
  return new Hono<AuthedEnv>().get('/events', async (c) => {
    // Hono answers HEAD with this handler: the stream's head, never a stream (see signal-routes.ts).
    if (c.req.method === 'HEAD') return c.body(null, 200, lobby.streamHeaders);
    const outgoing = c.env.outgoing;
    if (!outgoing) throw new Error('event streams need the Node HTTP server');
    await lobby.open(outgoing, c.var.user, c.var.session.id);
    // The stream now owns the response; tell the adapter not to write one.
    return RESPONSE_ALREADY_SENT;
  });
}
