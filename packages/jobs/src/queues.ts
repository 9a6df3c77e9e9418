// BullMQ queues: one per job name, so each kind of work has its own concurrency, rate limit
// and backlog, and a burst of one (a 50,000-follower fan-out) never queues ahead of another
// (a welcome email). Producers get typed `enqueue`; the worker reads the same names.
import { type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import type { JobName, JobPayload } from './contract.ts';
import { jobNames } from './contract.ts';

export const DEAD_LETTER_QUEUE = 'dead-letter';

/** Key prefix for every BullMQ key in Redis; tests give each run its own. */
export const DEFAULT_QUEUE_PREFIX = 'headroom';

export interface RetryPolicy {
  /** Tries before a job goes to the dead-letter queue. */
  attempts: number;
  /** First retry delay; each next one doubles, with up to 50% random jitter. */
  backoffMs: number;
}

/**
 * Completed jobs a queue keeps (in Redis memory, hence the count): each is removed once it is
 * this old or once this many newer jobs of its queue have completed, whichever comes first.
 * While a job is kept, adding its id again is a no-op. The relay re-sends an event only when
 * a round added its jobs but did not commit, and the next round, seconds later (or when a
 * worker is back, if all were down), sends it again: inside both limits unless 10,000 jobs of
 * one queue complete in between. A job removed by then runs again, which handlers allow: they
 * are idempotent.
 */
const COMPLETED_JOB_RETENTION = { maxAgeSeconds: 24 * 3600, maxCount: 10_000 };
/** Failed jobs stay a week; those that failed for good are also in the dead-letter queue. */
const FAILED_JOB_RETENTION_SECONDS = 7 * 24 * 3600;
/** Up to this fraction of each retry delay is random (see defaultJobOptions). */
const RETRY_JITTER = 0.5;

export function defaultJobOptions(retry: RetryPolicy): JobsOptions {
  return {
    attempts: retry.attempts,
    // Jitter spreads the retries of jobs that failed together (a database blip) so they do
    // not all come back at the same instant.
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: RETRY_JITTER },
    removeOnComplete: {
      age: COMPLETED_JOB_RETENTION.maxAgeSeconds,
      count: COMPLETED_JOB_RETENTION.maxCount,
    },
    removeOnFail: { age: FAILED_JOB_RETENTION_SECONDS },
  };
}

export type Queues = { [Name in JobName]: Queue<JobPayload<Name>, void, Name> };

export function createQueues(options: QueueOptions & { retry: RetryPolicy }): Queues {
  const { retry, ...queueOptions } = options;
  return Object.fromEntries(
    jobNames.map((name) => [
      name,
      new Queue(name, { ...queueOptions, defaultJobOptions: defaultJobOptions(retry) }),
    ]),
  ) as unknown as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}
