import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

/**
 * Direct-message storage, in plain SQL on the mysql2 pool: the write path
 * batches many messages into one transaction, and the read paths need
 * `UNION ALL` shapes that keep every query on an index.
 */

type MessageKind = 'text' | 'call' | 'invite';
/** `payload` is the JSON of a `call` or `invite` entry (see protocol.ts); absent for text. */
export type NewMessage = { senderId: number; recipientId: number; body: string; clientId: string; kind?: MessageKind; payload?: string | null };
export type StoredMessage = NewMessage & { id: number; createdAt: Date };
/** `fresh` is false for a retry: the message was stored before, by an earlier send with its clientId. */
export type WriteOutcome = { kind: 'stored'; message: StoredMessage; fresh: boolean } | { kind: 'blocked' };

/** A `direct_messages` row (snake_case columns) as a StoredMessage. */
function toStoredMessage(r: RowDataPacket): StoredMessage {
  return {
    id: Number(r.id),
    senderId: Number(r.sender_id),
    recipientId: Number(r.recipient_id),
    body: r.body,
    clientId: r.client_id,
    createdAt: r.created_at,
    kind: r.kind ?? 'text',
    payload: r.payload ?? null,
  };
}

const keyOf = (senderId: number, clientId: string) => `${senderId}\u0000${clientId}`;

let lastBatchTime = 0;
/**
 * The current time, but never the same millisecond twice in this process (rows keep
 * milliseconds), so that a batch recognises the rows it inserted itself by their time. Two
 * processes writing the same clientId within the same millisecond remain indistinguishable.
 */
function batchTime(): Date {
  lastBatchTime = Math.max(Date.now(), lastBatchTime + 1);
  return new Date(lastBatchTime);
}

const MESSAGE_COLUMNS = 'id, sender_id, recipient_id, body, client_id, created_at, kind, payload';

/**
 * Whether the server takes `INSERT … RETURNING` (MariaDB 10.5 and later;
 * MySQL does not). Asked once per pool.
 */
const returningByPool = new WeakMap<object, Promise<boolean>>();
function returningSupported(pool: Pool, conn: PoolConnection): Promise<boolean> {
  let known = returningByPool.get(pool);
  if (!known) {
    known = conn
      .query<RowDataPacket[]>('SELECT VERSION() AS v')
      .then(([rows]) => {
        const m = /^(\d+)\.(\d+).*mariadb/i.exec(String(rows[0]?.v ?? ''));
        return !!m && (Number(m[1]) > 10 || (Number(m[1]) === 10 && Number(m[2]) >= 5));
      })
      .catch((err) => {
        returningByPool.delete(pool);
        throw err;
      });
    returningByPool.set(pool, known);
  }
  return known;
}

/**
 * Stores a batch of messages in one transaction and returns, per input, the
 * stored message (the original one when `(sender, clientId)` was already
 * used) or `blocked`. Nothing is returned before the commit succeeded.
 *
 * Four waits on the database whatever the batch size: the block check; the
 * transaction's start and the insert, which returns the stored rows; the
 * conversation upsert; the commit. Statements of one step are sent back to back on the connection
 * (mysql2 starts each queued command as soon as the previous one answers,
 * without waiting for a turn of the event loop), which matters under load,
 * when every turn of the loop is long.
 */
export async function writeMessages(
  pool: Pool,
  batch: NewMessage[],
  // `portable` takes MySQL's path on any server, so that tests on MariaDB cover both.
  options: { portable?: boolean } = {},
): Promise<WriteOutcome[]> {
  const conn = await pool.getConnection();
  let open = false;
  try {
    // A plain (consistent, unlocked) read: inside or outside the transaction it promises the same.
    const pairs = [...new Map(batch.map((m) => [`${m.recipientId}/${m.senderId}`, [m.recipientId, m.senderId]])).values()];
    const [blockRows] = await conn.query<RowDataPacket[]>('SELECT blocker_id, blocked_id FROM user_blocks WHERE (blocker_id, blocked_id) IN (?)', [pairs]);
    const blocked = new Set(blockRows.map((r) => `${r.blocker_id}/${r.blocked_id}`));
    const allowed = batch.filter((m) => !blocked.has(`${m.recipientId}/${m.senderId}`));
    // A retry is acked with its message but never announced again. Of the batch's messages under
    // one clientId only the first can be new; whether it is, the stored row tells (see `now`).
    const seen = new Set<string>();
    const first = new Set<NewMessage>();
    for (const m of allowed) {
      const key = keyOf(m.senderId, m.clientId);
      if (!seen.has(key)) first.add(m);
      seen.add(key);
    }

    const stored = new Map<string, StoredMessage>();
    // The time this batch stamps on the rows it inserts: a row that comes back with it was
    // inserted by this batch, one with an earlier time by the send this one retries (even when
    // that send is still committing on another process, as after a restart).
    let now: Date | undefined;
    if (allowed.length > 0) {
      now = batchTime();
      const values = allowed.map((m) => [m.senderId, m.recipientId, m.body, m.clientId, now, m.kind ?? 'text', m.payload ?? null]);
      // A retried clientId hits the unique key and changes nothing; the original row is what
      // comes back, from RETURNING (MariaDB) or from the select after the insert (MySQL).
      const insert =
        'INSERT INTO direct_messages (sender_id, recipient_id, body, client_id, created_at, kind, payload) VALUES ? ON DUPLICATE KEY UPDATE id = id';
      open = true;
      const [, [rows]] =
        !options.portable && (await returningSupported(pool, conn))
          ? await all([conn.query('START TRANSACTION'), conn.query<RowDataPacket[]>(`${insert} RETURNING ${MESSAGE_COLUMNS}`, [values])] as const)
          : await all([
              conn.query('START TRANSACTION'),
              conn.query(insert, [values]),
              conn.query<RowDataPacket[]>(`SELECT ${MESSAGE_COLUMNS} FROM direct_messages WHERE (sender_id, client_id) IN (?)`, [
                allowed.map((m) => [m.senderId, m.clientId]),
              ]),
            ] as const).then(([begin, , select]) => [begin, select] as const);
      for (const r of rows) stored.set(keyOf(r.sender_id, r.client_id), toStoredMessage(r));
      // One row per (user, other) however many of the batch's messages they exchanged.
      const latest = new Map<string, [number, number, number]>();
      for (const m of stored.values()) {
        for (const [user, other] of [
          [m.senderId, m.recipientId],
          [m.recipientId, m.senderId],
        ] as const) {
          const key = `${user}/${other}`;
          const seen = latest.get(key);
          if (!seen || seen[2] < m.id) latest.set(key, [user, other, m.id]);
        }
      }
      // Sorted, so concurrent batches take these row locks in the same order.
      const conversations = [...latest.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      // Not queued together with the COMMIT: a statement that fails alone (a lock wait timeout)
      // is undone alone, and a COMMIT behind it would store the messages of a batch whose
      // senders are told that nothing was stored.
      await conn.query(
        'INSERT INTO dm_conversations (user_id, other_id, last_message_id) VALUES ? ' +
          'ON DUPLICATE KEY UPDATE last_message_id = GREATEST(last_message_id, VALUES(last_message_id))',
        [conversations],
      );
      await conn.query('COMMIT');
      open = false;
    }
    return batch.map((m): WriteOutcome => {
      // A blocked message is `blocked` even when another message of this batch with the same
      // clientId (to someone else) was stored: it must not be acked as that one, which is what
      // sending the two one after the other gives.
      if (blocked.has(`${m.recipientId}/${m.senderId}`)) return { kind: 'blocked' };
      const message = stored.get(keyOf(m.senderId, m.clientId));
      return message ? { kind: 'stored', message, fresh: first.has(m) && message.createdAt.getTime() === now?.getTime() } : { kind: 'blocked' };
    });
  } catch (err) {
    if (open) await conn.rollback().catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}

/**
 * Awaits statements queued together on one connection. Every one is awaited
 * (none is left to reject unobserved), and the first failure is thrown.
 * After a failure the later statements of the step still run; the caller
 * rolls the transaction back. No COMMIT is ever queued behind another
 * statement, so nothing of a step that failed is committed.
 */
async function all<T extends readonly Promise<unknown>[]>(statements: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(statements);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: Awaited<T[K]> };
}

type HistoryRow = StoredMessage;

/**
 * Up to `limit` messages between `a` and `b` with id below `before`, newest
 * first. Each direction is read backwards along (sender, recipient, id) and
 * the two are merged, so the cost does not grow with the conversation.
 */
export async function messagesBetween(pool: Pool, a: number, b: number, before: number, limit: number): Promise<HistoryRow[]> {
  // The index is named because the optimizer otherwise prefers the foreign-key index on
  // recipient_id, which reads the recipient's whole inbox and sorts it.
  const branch =
    `(SELECT ${MESSAGE_COLUMNS} FROM direct_messages FORCE INDEX (direct_messages_pair_id_idx) ` +
    'WHERE sender_id = ? AND recipient_id = ? AND id < ? ORDER BY id DESC LIMIT ?)';
  const [rows] = await pool.query<RowDataPacket[]>(`${branch} UNION ALL ${branch} ORDER BY id DESC LIMIT ?`, [a, b, before, limit, b, a, before, limit, limit]);
  return rows.map(toStoredMessage);
}

/**
 * How far each side of a conversation has read: `mine` is the user's own
 * marker, `theirs` the other person's (what "Seen" shows). Null where no
 * marker has moved yet (0 in the table) or there is no conversation.
 */
export async function readMarkers(pool: Pool, userId: number, otherId: number): Promise<{ mine: number | null; theirs: number | null }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT user_id, last_read_id FROM dm_conversations WHERE (user_id = ? AND other_id = ?) OR (user_id = ? AND other_id = ?)',
    [userId, otherId, otherId, userId],
  );
  const marker = (id: number) => {
    const v = Number(rows.find((r) => Number(r.user_id) === id)?.last_read_id ?? 0);
    return v > 0 ? v : null;
  };
  return { mine: marker(userId), theirs: marker(otherId) };
}

type ConversationRow = {
  otherId: number;
  username: string;
  displayName: string;
  /** The other person deleted their account (their row is a tombstone). */
  deleted: boolean;
  lastMessage: StoredMessage;
  unread: number;
};

/** The user's conversations, newest first, with the last message and the count of unread ones. */
export async function conversationsOf(pool: Pool, userId: number, limit: number): Promise<ConversationRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT c.other_id, u.username, u.display_name, u.deleted_at, c.last_read_id,
            m.id, m.sender_id, m.recipient_id, m.body, m.client_id, m.created_at, m.kind, m.payload,
            (SELECT COUNT(*) FROM direct_messages x FORCE INDEX (direct_messages_pair_id_idx)
              WHERE x.sender_id = c.other_id AND x.recipient_id = c.user_id AND x.id > c.last_read_id) AS unread
       FROM dm_conversations c
       JOIN users u ON u.id = c.other_id
       JOIN direct_messages m ON m.id = c.last_message_id
      WHERE c.user_id = ?
      ORDER BY c.last_message_id DESC
      LIMIT ?`,
    [userId, limit],
  );
  return rows.map((r) => ({
    otherId: Number(r.other_id),
    username: r.username,
    displayName: r.display_name,
    deleted: r.deleted_at != null,
    unread: Number(r.unread),
    lastMessage: toStoredMessage(r),
  }));
}

/**
 * Moves the read marker forward, never back and never past the
 * conversation's last message. Returns the marker as stored (what may be
 * told to the other person), or undefined when there is no such
 * conversation. A marker that would not move costs one read and no write.
 */
export async function markRead(pool: Pool, userId: number, otherId: number, upTo: number): Promise<number | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT last_read_id, last_message_id FROM dm_conversations WHERE user_id = ? AND other_id = ?', [
    userId,
    otherId,
  ]);
  const row = rows[0];
  if (!row) return undefined;
  const current = Number(row.last_read_id);
  const target = Math.max(current, Math.min(upTo, Number(row.last_message_id)));
  if (target === current) return current;
  // GREATEST: a concurrent read that went further is kept; the marker only moves forward.
  await pool.query('UPDATE dm_conversations SET last_read_id = GREATEST(last_read_id, ?) WHERE user_id = ? AND other_id = ?', [target, userId, otherId]);
  return target;
}

/** The people `blockerId` blocked, by name. */
export async function blockedBy(pool: Pool, blockerId: number): Promise<{ username: string; displayName: string }[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT u.username, u.display_name FROM user_blocks b JOIN users u ON u.id = b.blocked_id
      WHERE b.blocker_id = ? ORDER BY u.username`,
    [blockerId],
  );
  return rows.map((r) => ({ username: String(r.username), displayName: String(r.display_name) }));
}

export async function block(pool: Pool, blockerId: number, blockedId: number): Promise<void> {
  await pool.query('INSERT IGNORE INTO user_blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)', [blockerId, blockedId, new Date()]);
}

export async function unblock(pool: Pool, blockerId: number, blockedId: number): Promise<void> {
  await pool.query('DELETE FROM user_blocks WHERE blocker_id = ? AND blocked_id = ?', [blockerId, blockedId]);
}

export async function isBlocked(pool: Pool, blockerId: number, blockedId: number): Promise<boolean> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM user_blocks WHERE blocker_id = ? AND blocked_id = ?', [blockerId, blockedId]);
  return rows.length > 0;
}
