import { createHmac } from 'node:crypto';
import type { Config, IceServer } from '../config/config.js';

/**
 * Ephemeral TURN credentials in the "TURN REST API" scheme that coturn's
 * `use-auth-secret` mode checks: the username is `<expiry unix time>:<user
 * id>`, the credential is base64(HMAC-SHA1(secret, username)). coturn needs
 * only the shared secret, no database of users, and refuses a username whose
 * expiry has passed, so a leaked credential stops working by itself.
 */
function turnCredentials(secret: string, userId: number, ttlSeconds: number, now = Date.now()) {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export function iceServersFor(ice: Config['ice'], userId: number): IceServer[] {
  const servers: IceServer[] = [...ice.servers];
  if (ice.turnUrls.length > 0 && ice.turnSecret) {
    servers.push({ urls: ice.turnUrls, ...turnCredentials(ice.turnSecret, userId, ice.turnTtlSeconds) });
  }
  return servers;
}
