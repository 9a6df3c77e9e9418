// The worker process: read config, connect, check every job has one handler, then run the
// queue workers, the outbox relay and the schedules, and serve metrics. On SIGTERM it stops
// taking jobs and events, lets running jobs finish for up to SHUTDOWN_TIMEOUT_MS, and exits.
// Of the worker process, only this file reads process.env or calls process.exit (the operator
// CLI, jobs-cli.ts, is an entry file of its own).
import { createCacheRedisClient } from '@headroom/cache/redis-client';
import { createVersionedCache } from '@headroom/cache/versioned-cache';
import { createPrismaClient } from '@headroom/db/client';
import { createQueueRedisConnection, queueRedisTarget } from '@headroom/jobs/queue-redis';
import { closeQueues, createQueues } from '@headroom/jobs/queues';
import { isTelemetryEnabled } from '@headroom/telemetry/enabled';
import { createMetricsServer, shutDownOnSignals } from '@headroom/telemetry/ops-server';
import { BullMQOtel } from 'bullmq-otel';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadWorkerConfig } from './config.ts';
import { createDeadLetterQueue } from './dead-letter.ts';
import { buildJobRegistry } from './job-registry.ts';
import { createFanOutNotificationsJob } from './jobs/fan-out-notifications.ts';
import { createPruneOldRowsJob } from './jobs/prune-old-rows.ts';
import { createRecomputeTrendingTagsJob } from './jobs/recompute-trending-tags.ts';
import { createRenderArticleJob } from './jobs/render-article.ts';
import { createSendEmailJob } from './jobs/send-email.ts';
import { createMailer } from './mailer.ts';
import { createWorkerMetrics } from './metrics.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { createRenderPool } from './rendering/render-pool.ts';
import { runWorkers } from './run-workers.ts';
import { registerSchedules } from './schedules.ts';

// Config first, reported on stderr: the logger's level is itself a setting, so a bad one must
// be listed with every other bad key rather than make the logger throw.
const config = (() => {
  try {
    return loadWorkerConfig(process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
})();

const log = pino({ level: config.LOG_LEVEL, base: { service: 'worker' } });

const db = createPrismaClient({
  databaseUrl: config.DATABASE_URL,
  maxConnections: config.DATABASE_POOL_SIZE,
  applicationName: 'headroom-worker',
});
/**
 * A producer's command (the relay's adds, the schedules' upserts, the metrics' counts) slower
 * than this fails. An add is one short Lua script; a frozen or partitioned Redis would otherwise
 * hold the relay's transaction, and its row locks, open until Postgres ends it.
 */
const PRODUCER_COMMAND_TIMEOUT_MS = 2_000;
/**
 * Through Sentinels, the relay waits up to this long for a replica to acknowledge a batch's
 * jobs before it marks their events delivered (outbox-relay.ts). A replica that keeps up
 * acknowledges within a round trip; one slower than this is lagging or cut off, and the batch
 * is sent again a moment later. Below PRODUCER_COMMAND_TIMEOUT_MS, which would cut the WAIT.
 */
const REPLICA_ACK_TIMEOUT_MS = 1_000;
// Workers block on Redis and must never time out a command (BullMQ's production guide);
// producers (the relay) fail fast instead, so an outage rolls the outbox batch back.
const queueRedis = queueRedisTarget(config);
const workerConnection = createQueueRedisConnection(queueRedis, { maxRetriesPerRequest: null });
const producerConnection = createQueueRedisConnection(queueRedis, {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
});
for (const connection of [workerConnection, producerConnection]) {
  connection.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
}
const telemetry = isTelemetryEnabled(process.env)
  ? new BullMQOtel({ tracerName: 'headroom-worker' })
  : undefined;

const retry = { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS };
const queues = createQueues({
  connection: producerConnection,
  prefix: config.QUEUE_PREFIX,
  retry,
  ...(telemetry && { telemetry }),
});
// Dead letters are filed from inside a failing job, on the workers' connection: like BullMQ's
// own record of the failure, the letter then waits out a Redis blip. On the producers'
// fail-fast connection, a job failing for good during a blip would lose its letter.
const deadLetters = createDeadLetterQueue({
  connection: workerConnection,
  prefix: config.QUEUE_PREFIX,
  queues,
});
const mailer = createMailer({
  from: config.EMAIL_FROM,
  smtpUrl: config.SMTP_URL,
  directory: config.EMAIL_FILE_DIR,
});

const renderPool = createRenderPool({
  maxBodyChars: config.RENDER_MAX_BODY_CHARS,
  timeoutMs: config.RENDER_TIMEOUT_MS,
  threads: config.RENDER_ARTICLE_CONCURRENCY,
});

const registry = (() => {
  try {
    return buildJobRegistry([
      createRenderArticleJob({ db, renderer: renderPool }),
      createFanOutNotificationsJob({
        db,
        queues,
        settings: {
          batchSize: config.FAN_OUT_BATCH_SIZE,
          batchesPerJob: config.FAN_OUT_BATCHES_PER_JOB,
          batchPauseMs: config.FAN_OUT_BATCH_PAUSE_MS,
        },
      }),
      createSendEmailJob({ db, mailer, publicUrl: config.PUBLIC_URL }),
      createRecomputeTrendingTagsJob({
        db,
        settings: {
          windowDays: config.TRENDING_TAGS_WINDOW_DAYS,
          limit: config.TRENDING_TAGS_LIMIT,
        },
      }),
      createPruneOldRowsJob({
        db,
        settings: {
          outboxRetentionDays: config.OUTBOX_RETENTION_DAYS,
          readNotificationRetentionDays: config.READ_NOTIFICATION_RETENTION_DAYS,
          unreadNotificationRetentionDays: config.UNREAD_NOTIFICATION_RETENTION_DAYS,
          emailDeliveryRetentionDays: config.EMAIL_DELIVERY_RETENTION_DAYS,
          batchSize: config.PRUNE_BATCH_SIZE,
        },
      }),
    ]);
  } catch (error) {
    log.fatal((error as Error).message);
    process.exit(1);
  }
})();

const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });
const metrics = createWorkerMetrics({ registry: metricsRegistry, queues, db });

// The application cache, for the relay's invalidation pass (the API's keys, prefix and TTL).
const cacheConnection = config.CACHE_REDIS_URL
  ? createCacheRedisClient(config.CACHE_REDIS_URL, config.CACHE_COMMAND_TIMEOUT_MS)
  : undefined;
cacheConnection?.on('error', (error) => log.warn({ err: error }, 'cache redis connection error'));
cacheConnection?.connect().catch(() => {});
const cache = cacheConnection
  ? createVersionedCache({
      redis: cacheConnection,
      keyPrefix: config.CACHE_KEY_PREFIX,
      ttlSeconds: config.CACHE_TTL_SECONDS,
      // The relay only invalidates, which always tries: there is no read to skip.
      breakerCooldownMs: 0,
      localEntries: 0,
      registry: metricsRegistry,
      log,
    })
  : undefined;

const workers = runWorkers({
  registry,
  settings: {
    'render-article': { concurrency: config.RENDER_ARTICLE_CONCURRENCY },
    'fan-out-notifications': { concurrency: config.FAN_OUT_CONCURRENCY },
    'send-email': {
      concurrency: config.SEND_EMAIL_CONCURRENCY,
      limiter: { max: config.EMAIL_RATE_LIMIT_PER_SECOND, durationMs: 1_000 },
    },
    'recompute-trending-tags': { concurrency: config.MAINTENANCE_CONCURRENCY },
    'prune-old-rows': { concurrency: config.MAINTENANCE_CONCURRENCY },
  },
  connection: workerConnection,
  prefix: config.QUEUE_PREFIX,
  lockDurationMs: config.JOB_LOCK_DURATION_MS,
  stalledIntervalMs: config.JOB_STALLED_INTERVAL_MS,
  deadLetters,
  metrics,
  log,
  telemetry,
});
for (const worker of workers) {
  worker.on('error', (error) => log.warn({ err: error, queue: worker.name }, 'worker error'));
}

const relay = createOutboxRelay({
  db,
  listenDatabaseUrl: config.DATABASE_DIRECT_URL ?? config.DATABASE_URL,
  queues,
  budgets: { redis: producerConnection, keyPrefix: config.QUEUE_PREFIX },
  replication:
    queueRedis.kind === 'sentinels'
      ? { redis: producerConnection, timeoutMs: REPLICA_ACK_TIMEOUT_MS }
      : undefined,
  cache,
  batchSize: config.OUTBOX_BATCH_SIZE,
  pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
  log,
  onDelivered: (ages) => {
    for (const age of ages) metrics.outboxDeliveryLatency.observe(age / 1000);
  },
});

const metricsServer = createMetricsServer({ registry: metricsRegistry, log });

shutDownOnSignals({
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  timedOutMessage: 'shutdown timed out; exiting with jobs still running (they will be retried)',
  stop: async () => {
    // Stop taking work first, then wait for what is running.
    await relay.stop();
    await Promise.all(workers.map((worker) => worker.close()));
    await renderPool.close();
    metricsServer.close();
    await Promise.allSettled([closeQueues(queues), deadLetters.close()]);
    mailer.close();
    await Promise.allSettled([
      db.$disconnect(),
      workerConnection.quit(),
      producerConnection.quit(),
      ...(cacheConnection ? [cacheConnection.quit()] : []),
    ]);
  },
  log,
  exit: process.exit,
});

try {
  const schedules = {
    trendingTagsEverySeconds: config.TRENDING_TAGS_EVERY_SECONDS,
    pruneCron: config.PRUNE_CRON,
  };
  await registerSchedules(queues, schedules);
  // Schedules live in Redis. A Redis that comes back without its data (no persistence, a
  // failover to an empty replica) would have none until a worker restarts, so every worker
  // registers them again on each reconnect; the upsert leaves an existing schedule as it is.
  producerConnection.on('ready', () => {
    registerSchedules(queues, schedules).catch((error) =>
      log.warn({ err: error }, 'could not register the schedules after reconnecting'),
    );
  });
  await relay.start();
  metricsServer.listen(config.METRICS_PORT, config.HOST);
  log.info({ queues: Object.keys(registry), metricsPort: config.METRICS_PORT }, 'worker started');
} catch (error) {
  log.fatal({ err: error }, 'could not start');
  process.exit(1);
}
