import { ApiError, api, get } from './api.js';
import type { User } from './types.js';

/** Who is signed in, as the server says (the session cookie is HttpOnly; the page never sees it). */
let current: User | null = null;
const listeners = new Set<() => void>();

export const currentUser = () => current;

export function onUserChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function set(user: User | null) {
  current = user;
  for (const l of listeners) l();
}

/**
 * Every tab of this browser shares the session cookie, so a sign-out in one
 * (a logout, or a 401 that says the session ended) is told to the others at
 * once: each shows the sign-in screen and closes its socket and streams.
 * A sign-in is told too, so tabs left on the sign-in screen follow.
 */
const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('parley-session') : undefined;
tabs?.addEventListener('message', (e: MessageEvent<{ type?: string }>) => {
  if (e.data?.type === 'signed-out' && current) set(null);
  // Signed in elsewhere: this tab shares the cookie, so it asks who that is.
  if (e.data?.type === 'signed-in' && !current) void loadSession().catch(() => {});
});

function signedOut() {
  tabs?.postMessage({ type: 'signed-out' });
  set(null);
}

export async function loadSession(): Promise<User | null> {
  try {
    set((await get<{ user: User }>('/api/me')).user);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    set(null);
  }
  return current;
}

export async function signup(username: string, password: string, displayName?: string): Promise<void> {
  set((await api<{ user: User }>('POST', '/api/auth/signup', { username, password, ...(displayName ? { displayName } : {}) })).user);
  tabs?.postMessage({ type: 'signed-in' });
}

export async function login(username: string, password: string): Promise<void> {
  set((await api<{ user: User }>('POST', '/api/auth/login', { username, password })).user);
  tabs?.postMessage({ type: 'signed-in' });
}

export async function logout(): Promise<void> {
  await api('POST', '/api/auth/logout', {}).catch(() => {});
  signedOut();
}

/** The signed-in user's record changed (a new display name): whatever shows it follows. */
export function userUpdated(user: User): void {
  if (current && current.id === user.id) set(user);
}

/** Called when any request answers 401: the session ended elsewhere. */
export function sessionEnded(): void {
  if (current) signedOut();
}
