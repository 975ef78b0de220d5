import { desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { roomMessages, rooms, users, type RoomRow } from '../db/schema.js';
import type { ChatMessage } from './protocol.js';
import type { PublicUser } from '../users/store.js';

export type RoomWithOwner = RoomRow & { ownerUsername: string };

const roomColumns = {
  id: rooms.id,
  name: rooms.name,
  ownerId: rooms.ownerId,
  passwordHash: rooms.passwordHash,
  capacity: rooms.capacity,
  createdAt: rooms.createdAt,
  guestId: rooms.guestId,
  ownerUsername: users.username,
};

export async function findRoomByName(db: Db, name: string): Promise<RoomWithOwner | undefined> {
  const rows = await db.select(roomColumns).from(rooms).innerJoin(users, eq(users.id, rooms.ownerId)).where(eq(rooms.name, name)).limit(1);
  return rows[0];
}

/** The newest listed rooms first (calls' private rooms are never listed); all of them without `limit`. */
export async function listRooms(db: Db, limit?: number): Promise<RoomWithOwner[]> {
  const query = db
    .select(roomColumns)
    .from(rooms)
    .innerJoin(users, eq(users.id, rooms.ownerId))
    .where(isNull(rooms.guestId))
    .orderBy(desc(rooms.createdAt), desc(rooms.id));
  return limit === undefined ? query : query.limit(limit);
}

/** Every room `ownerId` owns, calls' private rooms included. */
export async function listRoomsOwnedBy(db: Db, ownerId: number): Promise<RoomWithOwner[]> {
  return db.select(roomColumns).from(rooms).innerJoin(users, eq(users.id, rooms.ownerId)).where(eq(rooms.ownerId, ownerId));
}

export async function insertRoom(
  db: Db,
  values: { name: string; ownerId: number; passwordHash: string | null; capacity: number; guestId?: number | null },
): Promise<RoomRow> {
  const createdAt = new Date();
  const row = { ...values, guestId: values.guestId ?? null, createdAt };
  const [result] = await db.insert(rooms).values(row);
  return { id: result.insertId, ...row };
}

export async function deleteRoom(db: Db, id: number): Promise<void> {
  await db.delete(rooms).where(eq(rooms.id, id));
}

export async function insertChatMessage(db: Db, values: { roomId: number; user: PublicUser; peerId: string; body: string }): Promise<ChatMessage> {
  const createdAt = new Date();
  const [result] = await db.insert(roomMessages).values({ roomId: values.roomId, userId: values.user.id, peerId: values.peerId, body: values.body, createdAt });
  return { id: result.insertId, peerId: values.peerId, user: values.user, body: values.body, createdAt: createdAt.toISOString() };
}

/** The room's last `limit` messages, oldest first. */
export async function lastChatMessages(db: Db, roomId: number, limit: number): Promise<ChatMessage[]> {
  const rows = await db
    .select({
      id: roomMessages.id,
      peerId: roomMessages.peerId,
      body: roomMessages.body,
      createdAt: roomMessages.createdAt,
      userId: users.id,
      username: users.username,
      displayName: users.displayName,
    })
    .from(roomMessages)
    .innerJoin(users, eq(users.id, roomMessages.userId))
    .where(eq(roomMessages.roomId, roomId))
    .orderBy(desc(roomMessages.id))
    .limit(limit);
  return rows.reverse().map((r) => ({
    id: r.id,
    peerId: r.peerId,
    user: { id: r.userId, username: r.username, displayName: r.displayName },
    body: r.body,
    createdAt: r.createdAt.toISOString(),
  }));
}
