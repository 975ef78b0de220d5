import type { Pool } from 'mysql2/promise';
import type { z } from 'zod';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { SessionUser } from '../auth/session.js';
import { isDependencyDown } from '../http/errors.js';
import type { Logger } from '../logging/logger.js';
import { readSchema, sendSchema, typingSchema, type DirectMessage, type DmAck, type DmErrorCode } from './protocol.js';
import type { BlockCache } from './block-cache.js';
import type { DoneAck, Notify, SendAck } from './events.js';
import { createEventLimit } from './event-limit.js';
import { markRead, type StoredMessage } from './store.js';
import type { UserDirectory } from './user-directory.js';
import type { MessageWriter } from './writer.js';

/**
 * What the `/dm` socket events do, independent of Socket.IO: validation,
 * rate limits, storage, and the list of rooms to notify. The sender is always
 * the session's user; nothing in a payload can change who speaks.
 */

export type { Notify } from './events.js';
export const userRoom = (userId: number) => `user:${userId}`;

type DmServiceDeps = {
  pool: Pool;
  writer: MessageWriter;
  directory: UserDirectory;
  limiter: RateLimiter;
  logger: Logger;
  notify: Notify;
  blocks: BlockCache;
  sendLimit: { max: number; windowSeconds: number };
  typingLimit: { max: number; windowSeconds: number };
  readLimit: { max: number; windowSeconds: number };
  /** Hears of the typing and read-marker refusals the event limits decide in this process (metrics). */
  onRefused?: (name: string) => void;
};

const fail = (code: DmErrorCode, message: string): DmAck<never> => ({ ok: false, error: { code, message } });

function parse<S extends z.ZodType>(schema: S, payload: unknown): { ok: true; value: z.infer<S> } | { ok: false; ack: DmAck<never> } {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, ack: fail('invalid_input', `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`) };
}

export function toWireMessage(m: StoredMessage, from: string, to: string): DirectMessage {
  const base = { id: m.id, from, to, body: m.body, createdAt: m.createdAt.toISOString(), clientId: m.clientId };
  const kind = m.kind ?? 'text';
  if (kind === 'text') return { ...base, kind };
  // Written by this server only; a row it cannot read is shown as the kind with no details.
  let details: unknown;
  try {
    details = m.payload ? JSON.parse(m.payload) : undefined;
  } catch {
    details = undefined;
  }
  return kind === 'call' ? { ...base, kind, call: details as DirectMessage['call'] } : { ...base, kind, invite: details as DirectMessage['invite'] };
}

export function createDmService(deps: DmServiceDeps) {
  const { pool, writer, directory, limiter, logger, notify, blocks } = deps;
  // Counted before anything is looked up, so that a flood is refused at the door.
  const typingLimit = createEventLimit(limiter, 'dm-typing', deps.typingLimit, { onRefused: deps.onRefused });
  const readLimit = createEventLimit(limiter, 'dm-read', deps.readLimit, { onRefused: deps.onRefused });

  /** Turns storage and Redis outages into `unavailable`; anything else is a bug, logged. */
  function failure(err: unknown, what: string): DmAck<never> {
    if (!isDependencyDown(err)) logger.error({ err }, `${what} failed`);
    else logger.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, `${what}: dependency down`);
    return fail('unavailable', 'Messages cannot be stored right now; nothing was sent. Try again.');
  }

  return {
    async send(user: SessionUser, payload: unknown): Promise<SendAck> {
      const input = parse(sendSchema, payload);
      if (!input.ok) return input.ack;
      const { to, body, clientId } = input.value;
      try {
        const limit = await limiter.hit(`dm:${user.id}`, deps.sendLimit);
        if (!limit.allowed) return fail('rate_limited', `Too many messages; wait ${limit.retryAfterSeconds} s.`);
        const recipient = await directory.byUsername(to);
        if (!recipient || recipient.deleted) return fail('unknown_user', 'No user has that name.');
        if (recipient.id === user.id) return fail('invalid_input', 'to: you cannot message yourself');
        const outcome = await writer.write({ senderId: user.id, recipientId: recipient.id, body, clientId });
        if (outcome.kind === 'blocked') return fail('blocked', 'This person does not accept your messages.');
        // A retry returns the message first stored under this clientId, addressed as it was then.
        const storedTo = outcome.message.recipientId === recipient.id ? recipient : await directory.byId(outcome.message.recipientId);
        const message = toWireMessage(outcome.message, user.username, storedTo?.username ?? to);
        // Announced once, when stored. A retry was announced the first time; announcing it again
        // would reach a recipient who may have blocked the sender since, and count it unread anew.
        if (outcome.fresh) notify([userRoom(user.id), userRoom(outcome.message.recipientId)], 'dm:message', message);
        return { ok: true, message };
      } catch (err) {
        return failure(err, 'dm:send');
      }
    },

    async read(user: SessionUser, payload: unknown): Promise<DoneAck> {
      const input = parse(readSchema, payload);
      if (!input.ok) return input.ack;
      try {
        if (!(await readLimit.take(user.id))) return fail('rate_limited', 'Too many read markers; wait a few seconds.');
        const other = await directory.byUsername(input.value.with);
        if (!other) return fail('unknown_user', 'No user has that name.');
        const upTo = await markRead(pool, user.id, other.id, input.value.upTo);
        if (upTo === undefined) return fail('invalid_input', 'with: there is no conversation with that user');
        // The other person sees "Seen" (unless they blocked the reader); the reader's other tabs
        // clear their unread count. Only the marker as stored is told, never the upTo asked for.
        const rooms = (await blocks.isBlocked(other.id, user.id)) ? [userRoom(user.id)] : [userRoom(other.id), userRoom(user.id)];
        notify(rooms, 'dm:read', { by: user.username, with: other.username, upTo });
        return { ok: true };
      } catch (err) {
        return failure(err, 'dm:read');
      }
    },

    async typing(user: SessionUser, payload: unknown): Promise<void> {
      const input = parse(typingSchema, payload);
      if (!input.ok) return;
      try {
        if (!(await typingLimit.take(user.id))) return;
        const other = await directory.byUsername(input.value.to);
        if (!other || other.deleted || other.id === user.id) return;
        if (await blocks.isBlocked(other.id, user.id)) return;
        notify([userRoom(other.id)], 'dm:typing', { from: user.username });
      } catch {
        // Typing indicators are best effort.
      }
    },
  };
}

export type DmService = ReturnType<typeof createDmService>;
