import type { HttpBindings } from '@hono/node-server';
import type { Session, SessionUser } from '../auth/session.js';

/** What middleware puts on the context for the handlers after it. */
type AppVariables = {
  clientIp: string;
  /** Set by the session middleware when the request carries a valid session. */
  session: Session | null;
  user: SessionUser | null;
};

/** Bindings are absent when the app is driven by `app.request()` instead of a socket. */
export type AppEnv = { Bindings: Partial<HttpBindings>; Variables: AppVariables };

/** The Hono env of routes behind `requireUser`: a user is always present. */
export type AuthedEnv = {
  Bindings: Partial<HttpBindings>;
  Variables: AppVariables & { session: Session; user: SessionUser };
};
