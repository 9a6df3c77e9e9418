// The read side of the transactional outbox: moves events the API committed to Postgres onto
// BullMQ queues, as the jobs `followUpJobs` says each event needs.
//
//   1. In one transaction, lock up to OUTBOX_BATCH_SIZE undelivered events, oldest first,
//      FOR UPDATE SKIP LOCKED: several relays (one per worker process) share the work without
//      waiting on each other or taking the same event.
//   2. Add their jobs to BullMQ. Each job id is `<event id>.<job name>`, so if this relay dies
//      after adding and before committing, the event is sent again and BullMQ ignores the
//      duplicate (and handlers are idempotent besides).
//   3. Mark the events delivered and commit. If Redis is down, step 2 fails, the transaction
//      rolls back, and the events wait in Postgres until Redis is back: nothing is lost.
//      With replicas (Sentinel), a replica must first acknowledge the jobs (WAIT): Redis
//      replicates after answering, so a primary killed in between would take jobs along that
//      the promoted replica never had, while Postgres would say they were delivered.
//
// A second pass applies each event's application-cache invalidation (the rule table in
// packages/cache/src/invalidation-rules.ts), which the API already applied right after the
// commit: this one is the backstop for a cache that was unreachable then. Its progress is its
// own column (invalidated_at), so a cache that is down never holds up the jobs, and an event's
// invalidation waits in Postgres until the cache answers: none is lost.
//
// It wakes on LISTEN outbox_events (a trigger NOTIFYs on every insert, delivered at commit)
// and polls every OUTBOX_POLL_INTERVAL_MS in case a notification was missed. Its own rounds
// are untraced (most find nothing); each job it adds joins the trace of the request that
// recorded the event.
import { invalidationFor, mergeInvalidations } from '@headroom/cache/invalidation-rules';
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { PrismaClient } from '@headroom/db/client';
import {
  type DomainEvent,
  followUpJobs,
  followUps,
  type JobRequest,
} from '@headroom/jobs/contract';
import type { Queues } from '@headroom/jobs/queues';
import { untraced } from '@headroom/telemetry/untraced';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';

/** The channel the outbox trigger NOTIFYs on every insert (see the outbox migration). */
const OUTBOX_CHANNEL = 'outbox_events';

/**
 * Only events this worker can route are taken. One it cannot (a type recorded by a newer API
 * during a rolling deploy) would fail every batch it is in and hold up every event behind it;
 * left pending, it waits for a worker that knows it, and outbox_lag_seconds shows it aging.
 * A known type with a bad field is routed: its jobs fail validation and are dead-lettered.
 */
export const ROUTABLE_TYPES = Object.keys(followUps);

/**
 * Deduplication windows (JobRequest's `dedupe`) this relay remembers, at most; past it, the
 * oldest are forgotten and their events ask Redis again, as without the memory.
 * One entry per article commented on in the last COMMENT_EMAIL_WINDOW_SECONDS: 10,000 is a
 * few hundred kilobytes.
 */
export const MAX_REMEMBERED_DEDUPLICATION_WINDOWS = 10_000;

/**
 * How far the clock of the API that recorded an event may run ahead of this worker's. A window
 * learnt from an event's time is taken to close this much sooner than the time says.
 */
const CLOCKS_AGREE_WITHIN_MS = 1_000;

/** After a failed round (Redis or Postgres down), wait this long before the next one. */
const RETRY_AFTER_FAILURE_MS = 1_000;
/** How long to wait before reconnecting a dropped LISTEN connection. */
const LISTEN_RECONNECT_MS = 1_000;
/**
 * Adding a batch to Redis is quick; a transaction open longer than this means Redis is stuck,
 * and the locks it holds should go back to the other relays.
 */
const DELIVERY_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * When the event behind a job the relay added was recorded: the time in the first 48 bits of its
 * id, `<event id>.<job name>`, when the event id is a UUIDv7 (the API's and the worker's are).
 */
export function recordedAt(jobId: string | undefined): number | undefined {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab]/i.exec(jobId ?? '');
  return match ? Number.parseInt(`${match[1]}${match[2]}`, 16) : undefined;
}

interface OutboxRow {
  id: string;
  type: DomainEvent['type'];
  payload: DomainEvent['payload'];
  trace_context: Record<string, string> | null;
}

export function createOutboxRelay(deps: {
  db: Pick<PrismaClient, '$transaction'>;
  /** A direct connection to the primary (LISTEN does not survive PgBouncer's transaction pooling). */
  listenDatabaseUrl: string;
  queues: Queues;
  /** Where the counters of job budgets (JobRequest's `budget`) live: the queues' Redis. */
  budgets: { redis: Pick<Redis, 'multi' | 'decr'>; keyPrefix: string };
  /**
   * The queues' Redis has replicas a failover promotes (Sentinel): a batch counts as delivered
   * only once a replica acknowledges its jobs, within `timeoutMs`. On the connection the
   * queues add through (WAIT covers that connection's writes).
   */
  replication?: { redis: Pick<Redis, 'wait' | 'info'>; timeoutMs: number } | undefined;
  /** The application cache; without one, the invalidation pass does not run. */
  cache?: Pick<VersionedCache, 'invalidate'> | undefined;
  batchSize: number;
  pollIntervalMs: number;
  log: Logger;
  /** Called after each delivered batch with the events' ages in ms (for the latency metric). */
  onDelivered?: (ages: number[]) => void;
}) {
  const { db, queues, log } = deps;
  let stopped = false;
  let running: Promise<void> | null = null;
  let wakeAgain = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let listener: pg.Client | null = null;
  // `<job name>:<deduplication key>` -> the time (ms) before which a window is surely still open
  // in BullMQ. An event inside it would cost a budget increment, an add that BullMQ drops and
  // the budget's refund: three round trips for nothing, and on a busy article that is nearly
  // every comment (docs/background-jobs.md). Skipped here instead.
  const openWindows = new Map<string, number>();

  async function enqueue(event: OutboxRow) {
    const parent = propagation.extract(ROOT_CONTEXT, event.trace_context ?? {});
    const jobs = followUpJobs({ type: event.type, payload: event.payload } as DomainEvent);
    await context.with(parent, () => Promise.all(jobs.map((job) => addJob(event, job))));
  }

  async function addJob(event: OutboxRow, job: JobRequest) {
    const queue = queues[job.name] as unknown as {
      add: (
        name: string,
        data: unknown,
        opts: { jobId: string; deduplication?: { id: string; ttl: number } },
      ) => Promise<{ id?: string | undefined }>;
    };
    // BullMQ keeps a deduplication key per queue: so does the memory.
    const window = job.dedupe && {
      key: `${job.name}:${job.dedupe.key}`,
      lengthMs: job.dedupe.seconds * 1000,
    };
    if (window && (openWindows.get(window.key) ?? 0) > Date.now()) return;
    const budget = job.budget && {
      ...job.budget,
      key: `${deps.budgets.keyPrefix}:budget:${job.budget.key}`,
    };
    // Spent before adding, in one atomic step, so the events of a batch (enqueued at once) and
    // relays racing each other cannot all see budget left.
    if (budget) {
      const [[, spent] = []] =
        (await deps.budgets.redis
          .multi()
          .incr(budget.key)
          .expire(budget.key, budget.seconds, 'NX')
          .exec()) ?? [];
      if (Number(spent) > budget.max) {
        log.info(
          { eventId: event.id, job: job.name, budget: job.budget?.key },
          'over budget; not added',
        );
        return;
      }
    }
    const jobId = `${event.id}.${job.name}`;
    const added = await queue.add(job.name, job.payload, {
      jobId,
      ...(job.dedupe && {
        deduplication: { id: job.dedupe.key, ttl: job.dedupe.seconds * 1000 },
      }),
    });
    // Deduplication dropped it (the existing job came back): nothing was spent after all. (A
    // batch delivered again after a failed commit spends twice: the bound is "about".)
    if (budget && added.id !== jobId) await deps.budgets.redis.decr(budget.key);
    // The window opened when the job that came back was added: this one (now, or on an earlier
    // delivery of this batch), or one another relay, or an earlier run of this worker, added for
    // an earlier event. Either way no sooner than that job's event was recorded.
    const openedFrom = recordedAt(added.id);
    if (window && openedFrom !== undefined) {
      rememberWindow(window.key, openedFrom + window.lengthMs - CLOCKS_AGREE_WITHIN_MS);
    }
  }

  function rememberWindow(key: string, closesAt: number) {
    if (closesAt <= Date.now()) return;
    openWindows.delete(key);
    openWindows.set(key, closesAt);
    if (openWindows.size <= MAX_REMEMBERED_DEDUPLICATION_WINDOWS) return;
    // A Map iterates in insertion order: the first entries are the oldest windows.
    const now = Date.now();
    for (const [oldKey, oldClosesAt] of openWindows) {
      if (openWindows.size <= MAX_REMEMBERED_DEDUPLICATION_WINDOWS && oldClosesAt > now) break;
      openWindows.delete(oldKey);
    }
  }

  /**
   * Throws unless a replica has every write this connection made so far, or there is no
   * replica to wait for (the others are down as well: the jobs are then as safe as one
   * server keeps them, and holding the events back would only stop delivery).
   */
  async function confirmReplicated(replication: NonNullable<typeof deps.replication>) {
    const info = await replication.redis.info('replication');
    if (Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0) === 0) return;
    if ((await replication.redis.wait(1, replication.timeoutMs)) < 1) {
      throw new Error(`no replica acknowledged the jobs within ${replication.timeoutMs} ms`);
    }
  }

  /** Delivers one batch; returns how many events it delivered. */
  async function deliverBatch(): Promise<number> {
    const ages = await db.$transaction(
      async (tx) => {
        const events = await tx.$queryRaw<(OutboxRow & { created_at: Date })[]>`
          SELECT id, type, payload, trace_context, created_at FROM outbox_events
           WHERE delivered_at IS NULL
             AND type = ANY(${ROUTABLE_TYPES}::text[]) AND jsonb_typeof(payload) = 'object'
           ORDER BY created_at
           LIMIT ${deps.batchSize}
           FOR UPDATE SKIP LOCKED`;
        if (events.length === 0) return [];
        // Concurrently: ioredis sends the adds back to back on one connection.
        await Promise.all(events.map(enqueue));
        if (deps.replication) await confirmReplicated(deps.replication);
        await tx.$executeRaw`UPDATE outbox_events SET delivered_at = now() WHERE id = ANY(${events.map((event) => event.id)}::uuid[])`;
        const now = Date.now();
        return events.map((event) => now - event.created_at.getTime());
      },
      { timeout: DELIVERY_TRANSACTION_TIMEOUT_MS },
    );
    // Only once committed: a batch whose commit fails is sent again, and counted then.
    if (ages.length > 0) deps.onDelivered?.(ages);
    return ages.length;
  }

  /**
   * Applies the cache invalidations of one batch of events, in one round trip to the cache;
   * returns how many. A cache that cannot be reached rolls the batch back for the next round.
   */
  async function invalidateBatch(cache: Pick<VersionedCache, 'invalidate'>): Promise<number> {
    return db.$transaction(
      async (tx) => {
        const events = await tx.$queryRaw<Pick<OutboxRow, 'id' | 'type' | 'payload'>[]>`
          SELECT id, type, payload FROM outbox_events
           WHERE invalidated_at IS NULL
             AND type = ANY(${ROUTABLE_TYPES}::text[]) AND jsonb_typeof(payload) = 'object'
           ORDER BY created_at
           LIMIT ${deps.batchSize}
           FOR UPDATE SKIP LOCKED`;
        if (events.length === 0) return 0;
        // Past every commit in the batch: a replica must replay this far before it refills.
        const [position] = await tx.$queryRaw<{ lsn: string }[]>`
          SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS lsn`;
        const invalidation = mergeInvalidations(
          events.map((event) =>
            invalidationFor({ type: event.type, payload: event.payload } as DomainEvent),
          ),
        );
        if (!(await cache.invalidate(invalidation, Number(position?.lsn ?? 0)))) {
          throw new Error('the application cache could not be reached');
        }
        await tx.$executeRaw`UPDATE outbox_events SET invalidated_at = now() WHERE id = ANY(${events.map((event) => event.id)}::uuid[])`;
        return events.length;
      },
      { timeout: DELIVERY_TRANSACTION_TIMEOUT_MS },
    );
  }

  /** Delivers until the outbox is empty. Runs one at a time; a wake-up during a run runs it again. */
  function drain(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      wakeAgain = true;
      return running;
    }
    running = untraced(async () => {
      try {
        do {
          wakeAgain = false;
          while (!stopped && (await deliverBatch()) === deps.batchSize) {
            // a full batch: there may be more
          }
          const { cache } = deps;
          if (cache) {
            try {
              while (!stopped && (await invalidateBatch(cache)) === deps.batchSize) {
                // a full batch: there may be more
              }
            } catch (error) {
              // The cache reports its own outage; the events wait for a later round, and the
              // jobs above are not held up by it.
              log.debug({ err: error }, 'cache invalidation pass failed; retried next round');
            }
          }
        } while (wakeAgain && !stopped);
      } catch (error) {
        log.warn({ err: error }, 'outbox relay round failed; events stay pending and are retried');
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_FAILURE_MS));
      } finally {
        running = null;
      }
    });
    return running;
  }

  async function listen() {
    if (stopped) return;
    const client = new pg.Client({
      connectionString: deps.listenDatabaseUrl,
      application_name: 'headroom-outbox-relay',
    });
    const reconnect = () => {
      if (listener !== client) return;
      listener = null;
      if (!stopped) setTimeout(() => void listen(), LISTEN_RECONNECT_MS).unref();
    };
    client.on('notification', () => void drain());
    client.on('error', (error) => {
      log.warn({ err: error }, 'outbox LISTEN connection lost; polling until it is back');
      reconnect();
    });
    client.on('end', reconnect);
    listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      // Events committed while we were not listening.
      void drain();
    } catch (error) {
      log.warn({ err: error }, 'could not LISTEN for outbox events; polling meanwhile');
      await client.end().catch(() => {});
      reconnect();
    }
  }

  return {
    async start() {
      await listen();
      pollTimer = setInterval(() => void drain(), deps.pollIntervalMs);
      pollTimer.unref();
    },
    /** Waits for the batch in progress; no new one starts. */
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      const client = listener;
      listener = null;
      await client?.end().catch(() => {});
      await running;
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
