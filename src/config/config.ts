import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { RedisTarget } from '../redis/client.js';

/**
 * Every setting Parley reads from its environment, parsed and checked once.
 * Nothing else in the code base reads `process.env`: the process entry hands
 * the parsed `Config` to the composition root, and tests build their own.
 */

const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .refine((u) => u.startsWith('mysql://'), 'must be a mysql:// URL')
    .default('mysql://root@127.0.0.1:3306/parley'),
  REDIS_URL: z
    .string()
    .url()
    .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  // host:port,host:port,… of a Redis Cluster (any of its nodes; the rest are discovered). When
  // set, it is used instead of REDIS_URL.
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const nodes = v.split(',').map((s) => s.trim());
      const parsed = nodes.map((n) => /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(n));
      if (parsed.some((m) => !m || Number(m[2]) > 65535)) {
        ctx.addIssue({ code: 'custom', message: 'must be host:port pairs separated by commas' });
        return z.NEVER;
      }
      return parsed.map((m) => ({ host: m![1]!.replace(/^\[|\]$/g, ''), port: Number(m![2]) }));
    }),
  // No braces: a `{…}` in the prefix would be the hash tag of every key, putting all of them in
  // one Redis Cluster slot instead of each room's keys in its own (src/rooms/room-keys.ts).
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - only')
    .default('parley:'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  // Prometheus metrics, on a port of their own; unset: not served at all.
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().min(1).optional(),
  ORIGIN: z.string().url().optional(),
  // How many reverse proxies in front of Parley may be trusted to append the
  // client address to X-Forwarded-For. 0 (the default) ignores the header, so
  // a client cannot pick the address its rate limits are counted against.
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      if (v === 'false' || v === '' || v === '0') return 0;
      if (v === 'true') return 1;
      const n = Number(v);
      if (Number.isInteger(n) && n >= 0 && n <= 10) return n;
      ctx.addIssue({ code: 'custom', message: 'must be true, false or a hop count 0-10' });
      return z.NEVER;
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  SESSION_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  LOGIN_MAX_PER_IP: z.coerce.number().int().min(1).default(30),
  LOGIN_MAX_PER_USERNAME: z.coerce.number().int().min(1).default(10),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  SIGNUP_MAX_PER_IP: z.coerce.number().int().min(1).default(20),
  SIGNUP_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(8000),
  // After SIGTERM, how long to keep serving as usual (only /api/ready says `draining`) before
  // closing the listener and the open streams: time for a proxy or an orchestrator to notice.
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  DM_RATE_MAX: z.coerce.number().int().min(1).default(30),
  DM_PRESENCE_TIMEOUT_MS: z.coerce.number().int().min(300).max(600_000).default(30_000),
  DM_TYPING_RATE_MAX: z.coerce.number().int().min(1).default(30),
  DM_READ_RATE_MAX: z.coerce.number().int().min(1).default(60),
  DM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(200).max(60_000).default(10_000),
  // A call nobody answers ends as missed after this long (the contract says 30 s).
  CALL_RING_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(30_000),
  // An accepted call whose private room stays empty this long ends.
  CALL_EMPTY_GRACE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  // A ringing call whose caller left its room (closed the tab) this long ago is cancelled.
  CALL_CALLER_GONE_MS: z.coerce.number().int().min(500).max(300_000).default(5_000),
  ROOM_MEMBER_TIMEOUT_MS: z.coerce.number().int().min(200).max(600_000).default(20_000),
  ROOM_REPLAY_EVENTS: z.coerce.number().int().min(10).max(100_000).default(1000),
  // At least one event of the largest size (a 64 KiB signal) must fit.
  ROOM_REPLAY_BYTES: z.coerce
    .number()
    .int()
    .min(128 * 1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  ROOM_SIGNAL_MAX: z.coerce.number().int().min(1).default(1000),
  ROOM_STATE_MAX: z.coerce.number().int().min(1).default(60),
  ROOM_JOIN_MAX: z.coerce.number().int().min(1).default(30),
  // How long a member removed by the room's owner stays out (the contract says 10 minutes).
  ROOM_REMOVAL_BAN_S: z.coerce.number().int().min(1).max(86_400).default(600),
  ROOM_PEERS_PER_SESSION: z.coerce.number().int().min(1).max(16).default(2),
  ROOM_PEERS_PER_USER: z.coerce.number().int().min(1).max(16).default(4),
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  SSE_KEEPALIVE_MS: z.coerce.number().int().min(100).max(25_000).default(20_000),
  SSE_MAX_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .default(256 * 1024),
  ICE_SERVERS: z
    .string()
    .default('[]')
    .transform((v, ctx) => {
      try {
        return iceServersSchema.parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of RTCIceServer objects' });
        return z.NEVER;
      }
    }),
  TURN_URLS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((urls) => urls.every((u) => /^turns?:/.test(u)), 'must be comma-separated turn: or turns: URLs'),
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  TURN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86400)
    .default(3600),
});

const iceServersSchema = z.array(
  z.object({
    urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    username: z.string().optional(),
    credential: z.string().optional(),
  }),
);
export type IceServer = z.infer<typeof iceServersSchema>[number];

export type Config = {
  databaseUrl: string;
  redisUrl: string;
  /** REDIS_CLUSTER_NODES when set, else REDIS_URL. */
  redis: RedisTarget;
  redisPrefix: string;
  port: number;
  host: string;
  /** Where `/metrics` is served (src/metrics/server.ts), never on the public port; undefined: nowhere. */
  metrics: { port: number; host: string } | undefined;
  /** The public origin, e.g. `https://parley.example.org`, without a trailing slash. */
  origin: string;
  /** True when the public origin is https: cookies get `Secure` and HSTS is sent. */
  secure: boolean;
  trustProxyHops: number;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  sessionDays: number;
  /** How long a process may reuse a validated session without asking MySQL; 0 turns the cache off. */
  sessionCacheMs: number;
  loginLimits: { perIp: number; perUsername: number; windowSeconds: number };
  signupLimits: { perIp: number; windowSeconds: number };
  shutdownTimeoutMs: number;
  /** SHUTDOWN_DRAIN_DELAY_MS: serving on after SIGTERM, with readiness failing, before the stop proper. */
  shutdownDrainDelayMs: number;
  /** A request whose headers, or whole request, take longer than this to arrive is answered 408 and cut off. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** How many argon2 hashes or verifications run at once in this process. */
  passwordHashConcurrency: number;
  dm: {
    /** Direct messages one user may send per 10 s. */
    rateMax: number;
    /** A socket whose process stops renewing it is considered gone after this long. */
    presenceTimeoutMs: number;
    /** `dm:typing` and `dm:read` events one user may emit per 10 s. */
    typingRateMax: number;
    readRateMax: number;
    /** A Socket.IO connection that has joined no namespace is closed after this long. */
    connectTimeoutMs: number;
  };
  calls: { ringTimeoutMs: number; emptyGraceMs: number; callerGoneMs: number };
  rooms: {
    /** A member whose event stream stays closed this long has left (the contract says 20 s). */
    memberTimeoutMs: number;
    /** At least this many recent events per room are kept for Last-Event-ID replay. */
    replayEvents: number;
    /** ...and at most this many bytes of event data. */
    replayBytes: number;
    /** Per user: signal units per 10 s, state updates per 10 s, joins per minute. */
    limits: { signal: number; state: number; join: number };
    /** A user removed by the room's owner cannot rejoin it for this long (seconds). */
    removalBanS: number;
    /** How many peers one session, and one user, may hold in one room. */
    peersPerSession: number;
    peersPerUser: number;
    keepAliveMs: number;
    /** A stream whose unsent output grows past this is dropped; the client reconnects and replays. */
    maxBufferedBytes: number;
  };
  ice: { servers: IceServer[]; turnUrls: string[]; turnSecret: string | undefined; turnTtlSeconds: number };
};

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const details = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${details}`);
  }
  const e = result.data;
  if (e.TURN_URLS.length > 0 && !e.TURN_SECRET) {
    throw new ConfigError('invalid configuration: TURN_URLS needs TURN_SECRET (the static-auth-secret coturn uses)');
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError('invalid configuration: METRICS_PORT must differ from PORT (metrics are never served on the public port)');
  }
  const origin = new URL(e.ORIGIN ?? `http://localhost:${e.PORT}`).origin;
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redis: (e.REDIS_CLUSTER_NODES ? { cluster: e.REDIS_CLUSTER_NODES } : { url: e.REDIS_URL }) as RedisTarget,
    redisPrefix: e.REDIS_PREFIX,
    port: e.PORT,
    host: e.HOST,
    metrics: e.METRICS_PORT === undefined ? undefined : { port: e.METRICS_PORT, host: e.METRICS_HOST ?? e.HOST },
    origin,
    secure: origin.startsWith('https:'),
    trustProxyHops: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    sessionDays: e.SESSION_DAYS,
    sessionCacheMs: e.SESSION_CACHE_MS,
    loginLimits: {
      perIp: e.LOGIN_MAX_PER_IP,
      perUsername: e.LOGIN_MAX_PER_USERNAME,
      windowSeconds: e.LOGIN_WINDOW_SECONDS,
    },
    signupLimits: { perIp: e.SIGNUP_MAX_PER_IP, windowSeconds: e.SIGNUP_WINDOW_SECONDS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
    // Half the cores by default: hashing at full width starved everything else the process does.
    passwordHashConcurrency: e.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, Math.floor(availableParallelism() / 2)),
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      // Node refuses a request timeout shorter than the headers timeout.
      requestTimeoutMs: Math.max(e.HTTP_REQUEST_TIMEOUT_MS, e.HTTP_HEADERS_TIMEOUT_MS),
    },
    dm: {
      rateMax: e.DM_RATE_MAX,
      presenceTimeoutMs: e.DM_PRESENCE_TIMEOUT_MS,
      typingRateMax: e.DM_TYPING_RATE_MAX,
      readRateMax: e.DM_READ_RATE_MAX,
      connectTimeoutMs: e.DM_CONNECT_TIMEOUT_MS,
    },
    calls: { ringTimeoutMs: e.CALL_RING_TIMEOUT_MS, emptyGraceMs: e.CALL_EMPTY_GRACE_MS, callerGoneMs: e.CALL_CALLER_GONE_MS },
    rooms: {
      memberTimeoutMs: e.ROOM_MEMBER_TIMEOUT_MS,
      replayEvents: e.ROOM_REPLAY_EVENTS,
      replayBytes: e.ROOM_REPLAY_BYTES,
      limits: { signal: e.ROOM_SIGNAL_MAX, state: e.ROOM_STATE_MAX, join: e.ROOM_JOIN_MAX },
      removalBanS: e.ROOM_REMOVAL_BAN_S,
      peersPerSession: e.ROOM_PEERS_PER_SESSION,
      peersPerUser: e.ROOM_PEERS_PER_USER,
      keepAliveMs: e.SSE_KEEPALIVE_MS,
      maxBufferedBytes: e.SSE_MAX_BUFFER_BYTES,
    },
    ice: { servers: e.ICE_SERVERS, turnUrls: e.TURN_URLS, turnSecret: e.TURN_SECRET, turnTtlSeconds: e.TURN_TTL_SECONDS },
  };
}

/** A URL with any password replaced, safe to print in logs and error lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
