// The worker's whole configuration: every variable it reads, its default and why.
// main.ts and jobs-cli.ts are the only callers (`loadWorkerConfig(process.env)`).
// Defaults for tunable numbers are justified by measurements in docs/background-jobs.md.

import { CACHE_KEY_PREFIX } from '@headroom/cache/keys';
import { type CrossFieldRule, loadEnv } from '@headroom/config/load-env';
import { QueueRedisEnv, queueRedisRules } from '@headroom/config/queue-redis-env';
import { DEFAULT_QUEUE_PREFIX } from '@headroom/jobs/queues';
import { type Static, Type } from 'typebox';

const Count = (minimum: number, defaultValue: number) =>
  Type.Integer({ minimum, default: defaultValue });

export const WorkerEnvSchema = Type.Object({
  NODE_ENV: Type.Union(
    [Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
    {
      default: 'production',
    },
  ),
  HOST: Type.String({ default: '0.0.0.0' }),
  /** Prometheus scrapes queue depth, job durations and outbox lag here. */
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9465 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
      Type.Literal(level),
    ),
    { default: 'info' },
  ),

  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  /**
   * The primary itself, when DATABASE_URL goes through PgBouncer: LISTEN needs a session of
   * its own, which transaction pooling does not give. Defaults to DATABASE_URL.
   */
  DATABASE_DIRECT_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_SIZE: Count(1, 10),
  /** The queues' Redis: REDIS_URL, or REDIS_SENTINELS and the rest (as the API's). */
  ...QueueRedisEnv,
  /**
   * The application cache's Redis, as the API has it: the outbox relay applies each event's
   * cache invalidation again (the backstop for a cache the API could not reach). Unset: no pass.
   */
  CACHE_REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** As the API's: how long invalidated entries keep their version (docs/caching.md). */
  CACHE_TTL_SECONDS: Count(1, 300),
  /** As the API's: the prefix of every cache key. */
  CACHE_KEY_PREFIX: Type.String({ default: CACHE_KEY_PREFIX, pattern: '^[\\w:.-]+$' }),
  /** As the API's: a cache command slower than this fails, and the pass is retried later. */
  CACHE_COMMAND_TIMEOUT_MS: Count(1, 100),
  /** Prefix of every BullMQ key; two deployments sharing a Redis need different ones. */
  QUEUE_PREFIX: Type.String({ default: DEFAULT_QUEUE_PREFIX, pattern: '^[\\w-]+$' }),

  /** Jobs one worker process runs at once, per queue. */
  RENDER_ARTICLE_CONCURRENCY: Count(1, 4),
  /**
   * A body's markdown render running longer than this is abandoned (its thread terminated) and
   * the body stored as plain text. Measured in docs/security.md ("Bounded growth"): a 99 KB
   * ordinary body renders in 119 ms (at most 234 ms); an 80 KB body built to be slow, 13.4 s.
   */
  RENDER_TIMEOUT_MS: Count(10, 1_000),
  /** Longer bodies are stored as plain text without parsing: the API's own article body cap. */
  RENDER_MAX_BODY_CHARS: Count(1, 100_000),
  FAN_OUT_CONCURRENCY: Count(1, 2),
  SEND_EMAIL_CONCURRENCY: Count(1, 4),
  MAINTENANCE_CONCURRENCY: Count(1, 1),

  /** Tries per job before the dead-letter queue; retries back off exponentially with jitter. */
  JOB_ATTEMPTS: Count(1, 5),
  JOB_BACKOFF_MS: Count(10, 1_000),
  /** A job whose worker stops renewing its lock for this long is handed to another worker. */
  JOB_LOCK_DURATION_MS: Count(1_000, 30_000),
  /** How often a worker looks for jobs whose lock expired (a killed worker's jobs). */
  JOB_STALLED_INTERVAL_MS: Count(500, 30_000),

  /** Followers notified per INSERT: one short transaction each. */
  FAN_OUT_BATCH_SIZE: Count(1, 1_000),
  /** Batches per job before it hands the rest to a continuation job, so no job runs long. */
  FAN_OUT_BATCHES_PER_JOB: Count(1, 10),
  /** Pause between batches, to cap the write rate a huge fan-out puts on the primary. */
  FAN_OUT_BATCH_PAUSE_MS: Count(0, 0),

  /** Emails per second across all workers (BullMQ's limiter is per queue, kept in Redis). */
  EMAIL_RATE_LIMIT_PER_SECOND: Count(1, 10),
  EMAIL_FROM: Type.String({ default: 'Conduit <no-reply@conduit.local>' }),
  /** SMTP server, e.g. smtp://mailpit:1025. Exactly one of SMTP_URL and EMAIL_FILE_DIR. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  /** Instead of SMTP: write each message as an .eml file here (native stack, tests). */
  EMAIL_FILE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Links in emails point here. */
  PUBLIC_URL: Type.String({ default: 'http://127.0.0.1:8080' }),

  /** Events the relay moves to BullMQ per transaction. */
  OUTBOX_BATCH_SIZE: Count(1, 200),
  /** The relay polls this often in case a NOTIFY was missed (LISTEN connection down). */
  OUTBOX_POLL_INTERVAL_MS: Count(50, 1_000),

  TRENDING_TAGS_EVERY_SECONDS: Count(1, 300),
  /** Articles from this many days count towards trending. */
  TRENDING_TAGS_WINDOW_DAYS: Count(1, 30),
  TRENDING_TAGS_LIMIT: Count(1, 20),
  /** Cron pattern (UTC) of the nightly prune. */
  PRUNE_CRON: Type.String({ default: '0 3 * * *' }),
  OUTBOX_RETENTION_DAYS: Count(1, 7),
  READ_NOTIFICATION_RETENTION_DAYS: Count(1, 30),
  /** Unread notifications older than this are pruned too: their reader has not been back. */
  UNREAD_NOTIFICATION_RETENTION_DAYS: Count(1, 90),
  /** The "already sent" record of each email; it only has to outlive the job's retries. */
  EMAIL_DELIVERY_RETENTION_DAYS: Count(1, 30),
  /** Rows deleted per statement while pruning: short locks, no long transaction. */
  PRUNE_BATCH_SIZE: Count(1, 5_000),

  /** SIGTERM: stop taking jobs, let running ones finish for at most this long, then exit. */
  SHUTDOWN_TIMEOUT_MS: Count(100, 25_000),
});

export type WorkerConfig = Static<typeof WorkerEnvSchema>;

const rules: CrossFieldRule<WorkerConfig>[] = [
  ...queueRedisRules,
  {
    variables: ['SMTP_URL', 'EMAIL_FILE_DIR'],
    message: 'set exactly one: where emails go',
    holds: (config) => (config.SMTP_URL === undefined) !== (config.EMAIL_FILE_DIR === undefined),
  },
  {
    variables: ['JOB_STALLED_INTERVAL_MS', 'JOB_LOCK_DURATION_MS'],
    message: 'the stalled check must run at least as often as a lock lasts',
    holds: (config) => config.JOB_STALLED_INTERVAL_MS <= config.JOB_LOCK_DURATION_MS,
  },
];

export function loadWorkerConfig(source: Record<string, string | undefined>): WorkerConfig {
  return loadEnv(WorkerEnvSchema, source, rules);
}
