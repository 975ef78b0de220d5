/**
 * The `limit` label of a refusal, from the name the limiter counted it under. Limiter names
 * carry a user id, an address or a room (`login:ip:203.0.113.9`), which must never become a
 * label value: only the fixed part is kept, from this closed list, and anything not in it is
 * `other`, so the label's values stay few whatever a client sends.
 */
const LABELS: ReadonlyArray<readonly [prefix: string, label: string]> = [
  ['signup:ip:', 'signup_ip'],
  ['login:ip:', 'login_ip'],
  ['login:user:', 'login_user'],
  ['password:user:', 'password_check'],
  ['rooms:create:', 'room_create'],
  ['rooms:join:', 'room_password'],
  ['rooms:password:user:', 'room_password_user'],
  ['rooms:password:ip:', 'room_password_ip'],
  ['chat:', 'room_chat'],
  ['signal:', 'room_signal'],
  ['state:', 'room_state'],
  ['join:', 'room_join'],
  ['owner:', 'room_owner'],
  ['invites:', 'invites'],
  ['call:', 'call_ring'],
  ['dm:', 'dm_send'],
  ['dm-typing:', 'dm_typing'],
  ['dm-read:', 'dm_read'],
  // Limits that are not limiter keys, named as they are passed.
  ['lobby-streams', 'lobby_streams'],
  ['password-queue', 'password_queue'],
  ['dm-socket-flood', 'dm_socket_flood'],
];

export function limitLabel(name: string): string {
  for (const [prefix, label] of LABELS) if (name.startsWith(prefix)) return label;
  return 'other';
}
