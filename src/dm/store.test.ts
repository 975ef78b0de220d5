import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';
import { person } from '../test/rooms-helpers.js';
import { block, writeMessages, type NewMessage } from './store.js';

/**
 * The group-commit write path against the real database, once with
 * MariaDB's `INSERT … RETURNING` and once with the portable insert-then-select
 * path that MySQL takes.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function idOf(username: string): Promise<number> {
  const [rows] = await server.database.pool.query<RowDataPacket[]>('SELECT id FROM users WHERE username = ?', [username]);
  return Number(rows[0]!.id);
}

for (const path of ['returning', 'portable'] as const) {
  describe(`writeMessages (${path})`, () => {
    const options = { portable: path === 'portable' };

    it('calls exactly one of two racing writes of the same clientId fresh (a retry is never announced twice)', async () => {
      const pool = server.database.pool;
      const [ann, bob] = await Promise.all([person(server, 'ann'), person(server, 'bob')]);
      const [a, b] = await Promise.all([idOf(ann.username), idOf(bob.username)]);
      const freshCounts: number[] = [];
      for (let round = 0; round < 40; round++) {
        const m: NewMessage = { senderId: a, recipientId: b, body: `race ${round}`, clientId: `race-${round}` };
        // As when a client resends after a restart while its first send still commits elsewhere.
        const outcomes = (await Promise.all([writeMessages(pool, [m], options), writeMessages(pool, [m], options)])).flat();
        const ids = new Set(outcomes.map((o) => (o.kind === 'stored' ? o.message.id : -1)));
        expect(ids.size).toBe(1);
        freshCounts.push(outcomes.filter((o) => o.kind === 'stored' && o.fresh).length);
      }
      expect(freshCounts.filter((n) => n !== 1)).toEqual([]);
    });

    it('stores a batch once, returns the original on a repeated clientId, and skips blocked senders', async () => {
      const pool = server.database.pool;
      const [ann, bob, cy] = await Promise.all([person(server, 'ann'), person(server, 'bob'), person(server, 'cy')]);
      const [a, b, c] = await Promise.all([idOf(ann.username), idOf(bob.username), idOf(cy.username)]);
      await block(pool, b, c); // bob blocks cy

      const first = await writeMessages(pool, [{ senderId: a, recipientId: b, body: 'original', clientId: 'k1' }], options);
      expect(first[0]).toMatchObject({ kind: 'stored', message: { body: 'original', clientId: 'k1' } });
      const original = (first[0] as { message: { id: number } }).message;

      const batch: NewMessage[] = [
        { senderId: a, recipientId: b, body: 'retry with other text', clientId: 'k1' },
        { senderId: a, recipientId: b, body: 'second', clientId: 'k2' },
        { senderId: c, recipientId: b, body: 'from a blocked sender', clientId: 'k1' },
        { senderId: b, recipientId: a, body: 'reply', clientId: 'k1' },
        { senderId: a, recipientId: b, body: 'second again in the same batch', clientId: 'k2' },
      ];
      const out = await writeMessages(pool, batch, options);
      expect(out.map((o) => o.kind)).toEqual(['stored', 'stored', 'blocked', 'stored', 'stored']);
      const msg = (i: number) => (out[i] as { message: { id: number; body: string; senderId: number; recipientId: number } }).message;
      // The retry gets the original back, text and id.
      expect(msg(0)).toMatchObject({ id: original.id, body: 'original' });
      expect(msg(1)).toMatchObject({ body: 'second', senderId: a, recipientId: b });
      expect(msg(3)).toMatchObject({ body: 'reply', senderId: b, recipientId: a });
      expect(msg(4).id).toBe(msg(1).id);

      const [rows] = await pool.query<RowDataPacket[]>('SELECT sender_id, client_id, body FROM direct_messages WHERE sender_id IN (?, ?, ?) ORDER BY id', [
        a,
        b,
        c,
      ]);
      expect(rows.map((r) => [Number(r.sender_id), r.client_id, r.body])).toEqual([
        [a, 'k1', 'original'],
        [a, 'k2', 'second'],
        [b, 'k1', 'reply'],
      ]);
      // Both people's conversation rows point at the pair's newest message.
      const [conv] = await pool.query<RowDataPacket[]>(
        'SELECT user_id, other_id, last_message_id FROM dm_conversations WHERE user_id IN (?, ?) ORDER BY user_id',
        [a, b],
      );
      expect(conv.map((r) => [Number(r.user_id), Number(r.other_id), Number(r.last_message_id)])).toEqual(
        [
          [a, b, msg(3).id],
          [b, a, msg(3).id],
        ].sort((x, y) => x[0]! - y[0]!),
      );
    });
  });
}
