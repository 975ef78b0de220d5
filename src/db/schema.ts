import { bigint, char, customType, datetime, index, mysqlTable, primaryKey, text, tinyint, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';

/**
 * The database schema. Each capability's tables live here so drizzle-kit sees
 * one schema and writes one ordered migration history into `drizzle/`.
 * It declares exactly what the migrations create (src/db/schema-drift.test.ts
 * checks both ways), so `npm run db:generate` writes only real changes.
 */

/**
 * An identifier compared byte for byte: under the tables' case-insensitive utf8mb4 collation
 * "L" and "l" would be one value for a unique key. Only for values that are always ASCII.
 * mysql-core's varchar has no character set or collation, hence a custom type; its SQL type
 * is what drizzle-kit writes into migrations and snapshots.
 */
const asciiBinVarchar = customType<{ data: string; driverData: string; config: { length: number }; configRequired: true }>({
  dataType: ({ length }) => `varchar(${length}) CHARACTER SET ascii COLLATE ascii_bin`,
});

export const users = mysqlTable(
  'users',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    // Always stored lower-case: usernames compare case-insensitively.
    username: varchar('username', { length: 32 }).notNull(),
    displayName: varchar('display_name', { length: 64 }).notNull(),
    passwordHash: varchar('password_hash', { length: 255 }).notNull(),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
    // Set when the account was deleted: the row stays as a tombstone so the other side of its
    // conversations keeps them and the name is never handed to someone else (docs/api.md).
    deletedAt: datetime('deleted_at', { mode: 'date', fsp: 3 }),
  },
  (t) => [uniqueIndex('users_username_unique').on(t.username)],
);

export const sessions = mysqlTable(
  'sessions',
  {
    // SHA-256 of the session token, hex encoded. The token itself is never stored,
    // so a leaked table cannot be replayed as cookies.
    id: char('id', { length: 64 }).primaryKey(),
    userId: bigint('user_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }).notNull(),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
    // What the session is called in `/api/me/sessions`: random, unrelated to the token, so
    // listing or naming a session never reveals anything that could be replayed.
    publicId: asciiBinVarchar('public_id', { length: 32 }).notNull(),
    // Written at most once a minute (src/auth/session.ts); null until first used after sign-in.
    lastUsedAt: datetime('last_used_at', { mode: 'date', fsp: 3 }),
    userAgent: varchar('user_agent', { length: 255 }),
  },
  (t) => [
    uniqueIndex('sessions_public_id_unique').on(t.publicId),
    index('sessions_user_id_idx').on(t.userId),
    index('sessions_expires_at_idx').on(t.expiresAt),
  ],
);

export const rooms = mysqlTable(
  'rooms',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    // Normalised (see src/rooms/names.ts); the unique index makes "create" race-free.
    name: varchar('name', { length: 64 }).notNull(),
    ownerId: bigint('owner_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // argon2id hash of the room password; null for an open room.
    passwordHash: varchar('password_hash', { length: 255 }),
    capacity: tinyint('capacity', { unsigned: true }).notNull(),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
    // Set on a call's private room (src/dm/calls.ts): the person called. Only the owner (the
    // caller) and the guest may join; the room is never listed and goes when the call ends.
    guestId: bigint('guest_id', { mode: 'number', unsigned: true }).references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [uniqueIndex('rooms_name_unique').on(t.name), index('rooms_created_at_idx').on(t.createdAt)],
);

export const roomMessages = mysqlTable(
  'room_messages',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    roomId: bigint('room_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: bigint('user_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    peerId: varchar('peer_id', { length: 32 }).notNull(),
    body: text('body').notNull(),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
  },
  // "The last 100 of a room" walks this index backwards and stops.
  (t) => [index('room_messages_room_id_id_idx').on(t.roomId, t.id)],
);

export type RoomRow = typeof rooms.$inferSelect;

export const directMessages = mysqlTable(
  'direct_messages',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    senderId: bigint('sender_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    recipientId: bigint('recipient_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    body: text('body').notNull(),
    // Chosen by the sending client; a retry with the same id must not make a second message.
    clientId: asciiBinVarchar('client_id', { length: 64 }).notNull(),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
    // `text`, or an entry the server writes itself: `call` (a call's outcome) or `invite` (to a
    // room). `payload` holds that entry's JSON (see src/dm/protocol.ts); null for text.
    kind: varchar('kind', { length: 16 }).notNull().default('text'),
    payload: varchar('payload', { length: 512 }),
  },
  (t) => [
    uniqueIndex('direct_messages_sender_client_unique').on(t.senderId, t.clientId),
    // "The last N from A to B before id X" walks this index backwards; history is the
    // union of the two directions, each read this way (see src/dm/store.ts).
    index('direct_messages_pair_id_idx').on(t.senderId, t.recipientId, t.id),
  ],
);

/** One row per (user, other person) they have exchanged messages with, for the conversation list. */
export const dmConversations = mysqlTable(
  'dm_conversations',
  {
    userId: bigint('user_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    otherId: bigint('other_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lastMessageId: bigint('last_message_id', { mode: 'number', unsigned: true }).notNull(),
    // The newest message from the other person this user has read.
    lastReadId: bigint('last_read_id', { mode: 'number', unsigned: true }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.otherId] }), index('dm_conversations_user_last_idx').on(t.userId, t.lastMessageId)],
);

export const userBlocks = mysqlTable(
  'user_blocks',
  {
    blockerId: bigint('blocker_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: bigint('blocked_id', { mode: 'number', unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] })],
);
export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
