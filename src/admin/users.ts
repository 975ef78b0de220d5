import { eq } from 'drizzle-orm';
import { deleteAccount } from '../auth/delete-account.js';
import { hashPassword } from '../auth/password.js';
import { deleteUserSessions } from '../auth/session.js';
import { isDuplicateKeyError } from '../db/client.js';
import { users, type UserRow } from '../db/schema.js';
import { findUserByUsername, insertUser, type PublicUser } from '../users/store.js';
import { displayNameSchema, newPasswordSchema, usernameSchema } from '../users/validation.js';
import { AdminError, type AdminContext } from './context.js';

/** The new password, asked for once the command knows it can use it. */
type AskPassword = () => Promise<string>;

/** The first message of a failed schema check, as signup would answer it. */
function check<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new AdminError(result.error.issues[0]?.message ?? 'invalid input');
  return result.data;
}

/** A username as signup takes it (lower-cased); refused when it could never be one. */
export const parseUsername = (raw: string) => check(usernameSchema, raw);

/** Hashes the new password after checking it against the signup rules. */
async function newPasswordHash(ask: AskPassword): Promise<string> {
  return hashPassword(check(newPasswordSchema, await ask()));
}

async function requireUser(ctx: AdminContext, username: string): Promise<UserRow> {
  const row = await findUserByUsername(ctx.db, username);
  // A deleted account's tombstone is nobody to act on (its name stays taken, see docs/api.md).
  if (!row || row.deletedAt) throw new AdminError(`no user named "${username}"`);
  return row;
}

/** As signup does, without a session: the name and password rules, the argon2id hash, the unique name. */
export async function createUser(ctx: AdminContext, input: { username: string; displayName?: string }, ask: AskPassword): Promise<PublicUser> {
  const displayName = input.displayName === undefined ? input.username : check(displayNameSchema, input.displayName);
  // Asked first so nobody types a password for a name that is taken; the insert still decides.
  if (await findUserByUsername(ctx.db, input.username)) throw new AdminError(`the username "${input.username}" is taken`);
  const passwordHash = await newPasswordHash(ask);
  try {
    return await insertUser(ctx.db, { username: input.username, displayName, passwordHash });
  } catch (err) {
    if (isDuplicateKeyError(err)) throw new AdminError(`the username "${input.username}" is taken`);
    throw err;
  }
}

/**
 * Sets a new password and ends every session of the account, everywhere, as a password change
 * does for the other sessions (src/auth/account-routes.ts). Failed login attempts counted
 * against the account are forgotten, so its owner can sign in at once.
 */
export async function resetPassword(ctx: AdminContext, username: string, ask: AskPassword): Promise<{ sessions: number }> {
  const user = await requireUser(ctx, username);
  const passwordHash = await newPasswordHash(ask);
  await ctx.db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
  const ended = await deleteUserSessions(ctx.db, user.id);
  for (const id of ended) await ctx.endSession({ id, userId: user.id });
  await ctx.limiter.reset(`login:user:${user.username}`);
  await ctx.limiter.reset(`password:user:${user.id}`);
  return { sessions: ended.length };
}

/** What `DELETE /api/me` does, without the account's password. */
export async function deleteUser(ctx: AdminContext, username: string): Promise<{ rooms: number; sessions: number }> {
  const user = await requireUser(ctx, username);
  return deleteAccount({ db: ctx.db, rooms: ctx.state, lobby: ctx.lobby, endSession: ctx.endSession, sessionCache: ctx.sessionCache }, user.id);
}
