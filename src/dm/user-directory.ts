import type { Pool, RowDataPacket } from 'mysql2/promise';

type DirectoryUser = { id: number; username: string; deleted: boolean };

/**
 * Username ↔ id lookups for the message path, cached per process: usernames
 * never change and a deleted account keeps its row (and name), so only its
 * `deleted` flag can go stale; the deletion's announcement calls `forget`.
 * Misses are not cached (the name may be signed up a moment later).
 * Concurrent lookups of the same key share one query: a burst of first
 * messages to a name costs one round trip, not one pool slot per message.
 */
export function createUserDirectory(pool: Pool, maxEntries = 100_000) {
  const byName = new Map<string, DirectoryUser>();
  const byId = new Map<number, DirectoryUser>();

  function remember(user: DirectoryUser) {
    if (byName.size >= maxEntries) {
      const oldest = byName.values().next().value!;
      byName.delete(oldest.username);
      byId.delete(oldest.id);
    }
    byName.set(user.username, user);
    byId.set(user.id, user);
  }

  const pending = new Map<string, Promise<DirectoryUser | undefined>>();

  function lookup(column: 'username' | 'id', value: string | number): Promise<DirectoryUser | undefined> {
    const key = `${column}:${value}`;
    let query = pending.get(key);
    if (!query) {
      query = fetchUser(column, value).finally(() => pending.delete(key));
      pending.set(key, query);
    }
    return query;
  }

  async function fetchUser(column: 'username' | 'id', value: string | number): Promise<DirectoryUser | undefined> {
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT id, username, deleted_at FROM users WHERE ${column} = ? LIMIT 1`, [value]);
    const row = rows[0];
    if (!row) return undefined;
    const user = { id: Number(row.id), username: String(row.username), deleted: row.deleted_at != null };
    remember(user);
    return user;
  }

  return {
    async byUsername(username: string) {
      return byName.get(username) ?? lookup('username', username);
    },
    async byId(id: number) {
      return byId.get(id) ?? lookup('id', id);
    },
    /** Drops what is cached about a user (after their account was deleted anywhere). */
    forget(id: number) {
      const user = byId.get(id);
      if (!user) return;
      byId.delete(id);
      byName.delete(user.username);
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
