import { hash, verify } from '@node-rs/argon2';

// OWASP's first recommended argon2id configuration: 19 MiB of memory, two
// passes, one lane. @node-rs/argon2 runs it on libuv's thread pool, so a
// hash does not block the event loop.
const ARGON2ID = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash must read as "wrong password", never as a crash.
    return false;
  }
}

/**
 * A hash of a random password, made once per process. Login verifies against
 * it when the username does not exist, so an unknown name costs the same
 * argon2 work as a wrong password and response times do not reveal which
 * names are registered.
 */
export function createDummyHash(): Promise<string> {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return hashPassword(Buffer.from(bytes).toString('base64'));
}
