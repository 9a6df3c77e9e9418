// The API's whole configuration: every variable it reads, its type, its default and why.
// main.ts is the only caller (`loadApiConfig(process.env)`); everything else receives values.
// Defaults for tunable numbers are justified by measurements in docs/configuration.md.

import { CACHE_KEY_PREFIX } from '@headroom/cache/keys';
import { type CrossFieldRule, loadEnv } from '@headroom/config/load-env';
import { QueueRedisEnv, queueRedisRules } from '@headroom/config/queue-redis-env';
import { type Static, Type } from 'typebox';

const Port = (defaultPort: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort });

/**
 * JWT secrets that were ever committed to this repository (a compose default, a measurement
 * script's), so anyone who has read it can sign tokens with them. With NODE_ENV=production the
 * API refuses to start with one of these (docs/security.md, "Secure defaults"). Append to this
 * list, never remove from it: a value once published stays known.
 */
export const PUBLISHED_JWT_SECRETS: readonly string[] = [
  'compose-demo-secret-change-me-0123456789abcdef',
  'memory-measurement-secret-0123456789abcdef',
  'a-jwt-secret-of-at-least-32-characters',
];

export const ApiEnvSchema = Type.Object({
  /** production (the default, as in the worker) turns on the checks a public deployment needs. */
  NODE_ENV: Type.Union(
    [Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
    { default: 'production' },
  ),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Port(3000),
  /** Prometheus scrapes here; kept off the public port so metrics never leak through the LB. */
  METRICS_PORT: Port(9464),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
      Type.Literal(level),
    ),
    { default: 'info' },
  ),
  /**
   * Log lines are written in chunks of this many bytes, asynchronously, rather than one
   * blocking write each; 0 writes each line at once. At most this much (and at most
   * LOG_FLUSH_INTERVAL_MS of lines) is lost if the process is killed with SIGKILL; a normal
   * exit or a crash flushes it. Measured in docs/capacity.md ("A leaner hot path").
   */
  LOG_BUFFER_BYTES: Type.Integer({ minimum: 0, default: 4_096 }),
  /** A partly filled log buffer is written at least this often, so a quiet API still logs promptly. */
  LOG_FLUSH_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1_000 }),

  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  /** Connections per API process. Total = replicas x this; must stay under Postgres max_connections (or PgBouncer's pool). */
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /** The queues' Redis (rate limits, readiness): REDIS_URL, or REDIS_SENTINELS and the rest. */
  ...QueueRedisEnv,
  /**
   * The application cache's own Redis (allkeys-lru, nothing on disk), apart from REDIS_URL,
   * whose queues must never be evicted. Unset: no application cache, every read from Postgres.
   */
  CACHE_REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /**
   * Every cache entry expires after this, invalidated or not: the bound on a stale entry when
   * both the API's and the relay's invalidation of a write failed (docs/caching.md).
   */
  CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, default: 300 }),
  /**
   * Prepended to every cache key. The worker's relay invalidates with the same prefix; two
   * deployments (or two test databases) sharing one cache Redis need different ones.
   */
  CACHE_KEY_PREFIX: Type.String({ default: CACHE_KEY_PREFIX, pattern: '^[\\w:.-]+$' }),
  /**
   * A cache command slower than this counts as a failure and the request reads Postgres: the
   * most a stuck cache adds to a request. Commands take well under a millisecond here.
   */
  CACHE_COMMAND_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 100 }),
  /**
   * Parsed cache entries each API process keeps, checked against Redis's version on every read,
   * so an unchanged card is not sent and parsed again (docs/caching.md; measured in
   * docs/capacity.md). About 1.5 KB each parsed: 20,000 is ~30 MB per process. 0 turns it off.
   */
  CACHE_LOCAL_ENTRIES: Type.Integer({ minimum: 0, default: 20_000 }),
  /** After a cache failure, requests skip the cache for this long before trying it again. */
  CACHE_BREAKER_COOLDOWN_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  /**
   * A streaming replica (natively and in compose, PgBouncer's `headroom_replica`). Reads that
   * may be slightly stale go there (packages/db/src/read-routing.ts); unset, all go to the primary.
   */
  DATABASE_REPLICA_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /**
   * A replica whose data may be older than this takes no reads until it catches up. Well above
   * the lag a write burst causes, at most the staleness a reader of a shared page accepts
   * (docs/database.md, "Read replicas").
   */
  REPLICA_MAX_LAG_MS: Type.Integer({ minimum: 100, default: 2_000 }),
  /** How often each API process asks the replica and the primary where their WAL stands. */
  REPLICA_STATUS_INTERVAL_MS: Type.Integer({ minimum: 50, default: 500 }),

  JWT_SECRET: Type.String({ minLength: 32 }),
  /** argon2id cost. OWASP's minimum is 19 MiB, 2 iterations; see docs/security.md for the measured cost per hash. */
  PASSWORD_HASH_MEMORY_KIB: Type.Integer({ minimum: 1024, default: 19_456 }),
  PASSWORD_HASH_ITERATIONS: Type.Integer({ minimum: 1, default: 2 }),
  /**
   * Load shedding for password work (modules/users/passwords.ts): a login, sign-up or password
   * change that would make more than this many argon2 hashes in flight in the process answers
   * 503 at once. The hashes wait on libuv's thread pool, where neither the event-loop delay nor
   * the database pool sees them: without this a login spike queued there until every admitted
   * login took seconds (docs/reliability.md, "A spike of 20x"). 8 is two per thread of libuv's
   * default pool of 4: with 16 a 20x login spike's admitted p99 reached 1.6 s, with 8 it stayed
   * under 0.5 s; with 4 logins were refused at the sustainable rate itself. 0 turns it off.
   */
  PASSWORD_HASH_MAX_IN_FLIGHT: Type.Integer({ minimum: 0, default: 8 }),
  /**
   * Each token's own lifetime: the idle timeout, since GET /api/user hands back a fresh token of
   * the same session (docs/security.md, "Accounts and tokens").
   */
  JWT_EXPIRES_IN_SECONDS: Type.Integer({ minimum: 60, default: 7 * 24 * 3600 }),
  /**
   * A session's absolute lifetime from its login or registration: no token of it is accepted
   * after this, however often it was refreshed. 30 days: a month of "stay signed in", then the
   * password again (OWASP Session Management Cheat Sheet, absolute timeout).
   */
  SESSION_MAX_AGE_SECONDS: Type.Integer({ minimum: 60, default: 30 * 24 * 3600 }),
  /**
   * A session begun less than this ago may change its email or password without
   * `currentPassword` (sudo mode: the password was just typed to log in). Five minutes covers
   * "sign up, then fix the address" and the RealWorld suite's update right after login.
   */
  RECENT_AUTH_SECONDS: Type.Integer({ minimum: 0, default: 300 }),
  /**
   * A user may ask for a new email verification link this long after the last one (or after
   * registering): each is an email from our domain, and the send budget is shared by everyone.
   */
  EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS: Type.Integer({ minimum: 1, default: 60 }),

  /** Largest accepted request body. An article body is the biggest legitimate payload. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 256 * 1024 }),
  /** Comma-separated allowed origins for CORS, or * for any (the API uses tokens, not cookies). */
  CORS_ORIGINS: Type.String({ default: '*' }),
  /** Trust X-Forwarded-For from this many proxy hops (the load balancer and the edge). */
  TRUSTED_PROXY_HOPS: Type.Integer({ minimum: 0, default: 0 }),

  /**
   * HTTP caching of anonymous reads (plugins/http-caching.ts, docs/cdn.md): how long the edge
   * or a CDN serves one answer as fresh (s-maxage). 0 turns shared caching off.
   */
  HTTP_CACHE_SHARED_MAX_AGE_SECONDS: Type.Integer({ minimum: 0, default: 1 }),
  /**
   * How long past that a shared cache may serve the answer while one request refreshes it
   * (stale-while-revalidate). Longer than the API's slowest healthy answer, or requests past
   * it stop waiting for that refresh and all ask the API at once.
   */
  HTTP_CACHE_STALE_WHILE_REVALIDATE_SECONDS: Type.Integer({ minimum: 0, default: 2 }),
  /** How long past freshness a shared cache may serve the answer while the API fails (stale-if-error). */
  HTTP_CACHE_STALE_IF_ERROR_SECONDS: Type.Integer({ minimum: 0, default: 60 }),

  /**
   * Rate limits (plugins/rate-limit.ts); every default is argued in docs/security.md, "Rate
   * limits". Login attempts per address and email (password guessing against one account) ...
   */
  LOGIN_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 10 }),
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** ... and per address across every email (credential stuffing), in the same window. */
  LOGIN_ADDRESS_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 60 }),
  REGISTER_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 60 }),
  REGISTER_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** The window of every write limit below: each allows this many per user, and per address. */
  WRITE_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** PUT /user: an argon2 hash when the password changes; people change settings rarely. */
  USER_UPDATE_RATE_LIMIT_PER_USER: Type.Integer({ minimum: 1, default: 10 }),
  USER_UPDATE_RATE_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 30 }),
  /** Creating, editing and deleting articles. */
  ARTICLE_WRITE_RATE_LIMIT_PER_USER: Type.Integer({ minimum: 1, default: 30 }),
  ARTICLE_WRITE_RATE_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 120 }),
  /** Posting and deleting comments (each new one may email the article's author). */
  COMMENT_WRITE_RATE_LIMIT_PER_USER: Type.Integer({ minimum: 1, default: 12 }),
  COMMENT_WRITE_RATE_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 60 }),
  /** Favoriting and unfavoriting. */
  FAVORITE_RATE_LIMIT_PER_USER: Type.Integer({ minimum: 1, default: 60 }),
  FAVORITE_RATE_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 300 }),
  /** Following and unfollowing. */
  FOLLOW_RATE_LIMIT_PER_USER: Type.Integer({ minimum: 1, default: 60 }),
  FOLLOW_RATE_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 300 }),
  /** Marking notifications read. */
  NOTIFICATION_READ_RATE_LIMIT_PER_USER: Type.Integer({ minimum: 1, default: 60 }),
  NOTIFICATION_READ_RATE_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 300 }),
  /**
   * Every rate limit's maximum is multiplied by this: 1 in production; benchmarks, whose few
   * users write from one address as fast as they can, and test suites raise it (docs/security.md).
   */
  RATE_LIMIT_MULTIPLIER: Type.Integer({ minimum: 1, default: 1 }),

  /**
   * After a write, the outbox relay is woken with a NOTIFY at most this often per process (the
   * last one of a burst included): a NOTIFY per commit serialised writers on Postgres' queue
   * lock (comment writes ~700/s with it, ~1,150/s without; docs/capacity.md). It bounds the
   * extra delivery delay under load; an idle site's writes are relayed at once.
   */
  OUTBOX_NOTIFY_INTERVAL_MS: Type.Integer({ minimum: 0, default: 50 }),
  /** How long SIGTERM waits for in-flight requests before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Time a client gets to send a whole request; protects the event loop's sockets from slow senders. */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 15_000 }),
  /**
   * A request's Postgres queries still running this long after it arrived are cancelled on the
   * server, as are those of a request whose client went away (plugins/request-deadline.ts); it
   * answers 503. Half the role's 10 s statement timeout, so this fires first for requests.
   */
  REQUEST_DEADLINE_MS: Type.Integer({ minimum: 100, default: 5_000 }),

  /**
   * Load shedding (plugins/load-shedding.ts, docs/reliability.md): requests are refused with 503
   * while the event loop's mean delay over a sample is above this (ms): the process's CPU is
   * saturated and every request it admits waits behind the others. 0 turns it off.
   */
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 100 }),
  /** How often the event-loop delay is sampled: how long an overload goes unnoticed at most. */
  LOAD_SHED_SAMPLE_INTERVAL_MS: Type.Integer({ minimum: 10, default: 250 }),
  /**
   * ... and while more queries than this wait for one of the process's DATABASE_POOL_SIZE
   * connections: Postgres (or PgBouncer) is the bottleneck. 0 turns it off.
   */
  LOAD_SHED_MAX_POOL_WAITERS: Type.Integer({ minimum: 0, default: 100 }),
  /**
   * Retry-After (seconds) on every 503 for overload or an unavailable Postgres or Redis: a spike's
   * queue drains, and a restarted dependency is back, within about this.
   */
  UNAVAILABLE_RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, default: 1 }),
});

export type ApiConfig = Static<typeof ApiEnvSchema>;

const rules: CrossFieldRule<ApiConfig>[] = [
  ...queueRedisRules,
  {
    variables: ['NODE_ENV', 'JWT_SECRET'],
    message: 'the JWT secret is a published demo value; set your own (e.g. `openssl rand -hex 32`)',
    holds: (config) =>
      config.NODE_ENV !== 'production' || !PUBLISHED_JWT_SECRETS.includes(config.JWT_SECRET),
  },
  {
    variables: ['PORT', 'METRICS_PORT'],
    message: 'must be different ports',
    holds: (config) => config.PORT === 0 || config.PORT !== config.METRICS_PORT,
  },
  {
    variables: ['JWT_EXPIRES_IN_SECONDS', 'SESSION_MAX_AGE_SECONDS'],
    message: "a token's lifetime cannot exceed its session's",
    holds: (config) => config.JWT_EXPIRES_IN_SECONDS <= config.SESSION_MAX_AGE_SECONDS,
  },
  {
    variables: ['RECENT_AUTH_SECONDS', 'SESSION_MAX_AGE_SECONDS'],
    message: 'a session is recent for less than its whole lifetime',
    holds: (config) => config.RECENT_AUTH_SECONDS < config.SESSION_MAX_AGE_SECONDS,
  },
  {
    // A replica's status ages between polls; with a bound shorter than the interval it would
    // lose its reads before each poll came round.
    variables: ['REPLICA_MAX_LAG_MS', 'REPLICA_STATUS_INTERVAL_MS'],
    message: 'the lag bound must be longer than the status interval',
    holds: (config) => config.REPLICA_MAX_LAG_MS > config.REPLICA_STATUS_INTERVAL_MS,
  },
];

export function loadApiConfig(source: Record<string, string | undefined>): ApiConfig {
  return loadEnv(ApiEnvSchema, source, rules);
}
