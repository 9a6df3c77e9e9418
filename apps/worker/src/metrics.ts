// What the worker exposes to Prometheus on METRICS_PORT: per queue, how many jobs wait, run,
// are delayed or failed and how old the oldest waiting one is; job durations and failures;
// and the outbox lag (age of the oldest event not yet handed to BullMQ) with delivery latency.
// Queue and outbox gauges are read at scrape time, so they cost nothing between scrapes.
import type { PrismaClient } from '@headroom/db/client';
import { type JobName, jobNames } from '@headroom/jobs/contract';
import type { Queues } from '@headroom/jobs/queues';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const JOB_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DELIVERY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60];

/**
 * Reads a gauge's values from Redis, or, when Redis is unreachable, clears the gauge and
 * returns undefined: its series go absent for that scrape while the outbox gauges (read from
 * Postgres) still report. A Redis outage is exactly when outbox lag matters, so one failing
 * collector must not fail the whole scrape.
 */
async function fromRedis<Value>(
  gauge: Pick<Gauge, 'reset'>,
  read: () => Promise<Value>,
): Promise<Value | undefined> {
  try {
    return await read();
  } catch {
    gauge.reset();
    return undefined;
  }
}

export function createWorkerMetrics(deps: {
  registry: Registry;
  queues: Queues;
  db: Pick<PrismaClient, '$queryRaw'>;
}) {
  const { registry, queues, db } = deps;

  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const counts = await fromRedis(this, () =>
        Promise.all(
          jobNames.map(async (name) => ({
            name,
            counts: await queues[name].getJobCounts(
              'waiting',
              'active',
              'delayed',
              'failed',
              'prioritized',
            ),
          })),
        ),
      );
      for (const { name, counts: byState } of counts ?? []) {
        for (const [state, count] of Object.entries(byState))
          this.set({ queue: name, state }, count);
      }
    },
  });

  new Gauge({
    name: 'queue_oldest_waiting_job_age_seconds',
    help: 'Age of the oldest job waiting in each queue (0 when none wait)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const oldest = await fromRedis(this, () =>
        Promise.all(
          jobNames.map(async (name: JobName) => ({
            name,
            job: (await queues[name].getJobs(['wait'], 0, 0, true))[0],
          })),
        ),
      );
      for (const { name, job } of oldest ?? []) {
        this.set({ queue: name }, job ? Math.max(0, (Date.now() - job.timestamp) / 1000) : 0);
      }
    },
  });

  new Gauge({
    name: 'outbox_lag_seconds',
    help: 'Age of the oldest outbox event not yet moved to a queue (0 when none)',
    registers: [registry],
    async collect() {
      const [row] = await db.$queryRaw<{ lag: number | null }[]>`
        SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS lag
          FROM outbox_events WHERE delivered_at IS NULL`;
      this.set(row?.lag ?? 0);
    },
  });

  new Gauge({
    name: 'outbox_pending_events',
    help: 'Outbox events not yet moved to a queue',
    registers: [registry],
    async collect() {
      const [row] = await db.$queryRaw<{ pending: bigint }[]>`
        SELECT count(*) AS pending FROM outbox_events WHERE delivered_at IS NULL`;
      this.set(Number(row?.pending ?? 0));
    },
  });

  return {
    jobDuration: new Histogram({
      name: 'job_duration_seconds',
      help: 'Time a handler took, by queue and outcome',
      labelNames: ['queue', 'outcome'] as const,
      buckets: JOB_DURATION_BUCKETS_SECONDS,
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'job_failures_total',
      help: 'Handler failures, by queue and whether the job was dead-lettered (final) or retried',
      labelNames: ['queue', 'final'] as const,
      registers: [registry],
    }),
    outboxDeliveryLatency: new Histogram({
      name: 'outbox_delivery_latency_seconds',
      help: 'From an event committed in Postgres to its jobs added to BullMQ',
      buckets: DELIVERY_BUCKETS_SECONDS,
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
