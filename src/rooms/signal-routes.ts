import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import type { AuthedEnv } from '../http/app-env.js';
import { ApiError, invalidInput } from '../http/errors.js';
import { bodyLimit } from '../http/middleware/body-limit.js';
import { readJson } from '../http/read-json.js';
import type { FloodLimiter } from '../auth/flood-limit.js';
import { signalCost, spend, type RoomBudgets } from './flood-limits.js';
import { requireRoom, roomNotFound } from './routes.js';
import { parseRoomName } from './names.js';
import { findRoomByName } from './store.js';
import type { RoomHub } from './hub.js';
import { PEER_ID_PATTERN, SIGNAL_TYPES, peerIdSchema, stateDataSchema, type SignalType } from './protocol.js';
import { isEventId } from './events.js';
import type { RoomState } from './live-state.js';

const MAX_SIGNAL_BYTES = 64 * 1024;

const signalSchema = z
  .object({
    from: peerIdSchema,
    to: peerIdSchema.optional(),
    type: z.enum(SIGNAL_TYPES, { error: `type must be one of ${SIGNAL_TYPES.join(', ')}` }),
    data: z.unknown(),
  })
  .superRefine((s, ctx) => {
    if (s.type === 'state') {
      if (!stateDataSchema.safeParse(s.data).success) {
        ctx.addIssue({ code: 'custom', path: ['data'], message: 'state data must be {inCall: boolean, muted: boolean}' });
      }
    } else if (!s.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'to is required' });
    }
    // Events addressed to `to` reach only `to`: a peer signalling itself would get its own signal back.
    if (s.to !== undefined && s.to === s.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be another peer than from' });
    }
    if (nestedDeeperThan(s.data, MAX_SIGNAL_DATA_DEPTH)) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: `data must not nest deeper than ${MAX_SIGNAL_DATA_DEPTH} levels` });
    }
  });

/**
 * How deeply signal `data` may nest. The data is serialised again for the room's event
 * stream, and JSON.stringify recurses: some thousands of levels (which fit in 64 KiB)
 * would overflow the stack. Real offers, answers and candidates nest 2 or 3 levels.
 */
const MAX_SIGNAL_DATA_DEPTH = 64;

/** True when arrays/objects in `value` nest more than `max` levels; walked without recursion. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [v, depth] = pending.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return false;
}

const notAMember = () => new ApiError(403, 'not_a_member', 'That peer is not yours, or has left the room.');

type SignallingDeps = {
  db: Db;
  state: RoomState;
  hub: RoomHub;
  floods: FloodLimiter;
  budgets: RoomBudgets;
  /** Hears of each signal relayed (metrics). */
  onRelayed?: (type: SignalType) => void;
};

/** The room event stream and signal posting: `/api/rooms/:name/events` and `/signal`. */
export function signallingRoutes({ db, state, hub, floods, budgets, onRelayed }: SignallingDeps) {
  return new Hono<AuthedEnv>()
    .get('/:name/events', async (c) => {
      const room = await requireRoom(db, c.req.param('name'));
      const peerId = c.req.query('peer') ?? '';
      if (!PEER_ID_PATTERN.test(peerId)) throw invalidInput('peer must be the peerId this tab got when joining');
      if (c.req.method === 'HEAD') {
        if (!(await state.holds(room.name, peerId, c.var.session.id))) throw notAMember();
        // Hono answers HEAD with this GET handler and then writes a response of its own, which
        // fails (ERR_HTTP_HEADERS_SENT) once a stream has been opened on it. So HEAD gets the
        // same checks (membership here; a stream checks it atomically with its subscription, in
        // hub.open) and the stream's head, never a stream.
        return c.body(null, 200, hub.streamHeaders);
      }
      const outgoing = c.env.outgoing;
      if (!outgoing) throw new Error('event streams need the Node HTTP server');
      const lastEventId = c.req.header('last-event-id');
      // The session id lets a logout end this stream (hub.endSession).
      const resumeFrom = lastEventId && isEventId(lastEventId) ? lastEventId : undefined;
      if ((await hub.open(room.name, peerId, outgoing, resumeFrom, c.var.session.id)) === 'not_a_member') throw notAMember();
      // The stream now owns the response; tell the adapter not to write one.
      return RESPONSE_ALREADY_SENT;
    })
    .post('/:name/signal', bodyLimit(MAX_SIGNAL_BYTES), async (c) => {
      const name = parseRoomName(c.req.param('name'));
      const user = c.var.user.id;
      await spend(floods, `signal:${user}`, budgets.signal, 'signals', signalCost(c.req.header('content-length'), MAX_SIGNAL_BYTES));
      const signal = await readJson(c, signalSchema);
      if (signal.type === 'state') await spend(floods, `state:${user}`, budgets.state, 'state updates');
      const sid = c.var.session.id;
      const result =
        signal.type === 'state'
          ? await state.setState(name, signal.from, sid, ...stateArgs(signal.data))
          : await state.signal(name, signal.from, signal.to!, sid, signal.type, signal.data ?? null);
      if (result === 'no_room') {
        // Redis holds no live state for this name: either no such room, or nobody has joined it (again).
        if (!(await findRoomByName(db, name))) throw roomNotFound();
        throw notAMember();
      }
      if (result === 'not_a_member') throw notAMember();
      if (result === 'peer_not_found') throw new ApiError(404, 'peer_not_found', 'No member of this room has that peerId.');
      if (result === 'not_in_call') throw new ApiError(409, 'not_in_call', 'Only a member in the call may send an offer: post state {inCall: true} first.');
      if (result === 'peer_not_in_call') throw new ApiError(409, 'peer_not_in_call', 'That member is not in the call.');
      onRelayed?.(signal.type);
      return c.body(null, 202);
    });
}

function stateArgs(data: unknown): [boolean, boolean] {
  const { inCall, muted } = stateDataSchema.parse(data);
  return [inCall, muted];
}
