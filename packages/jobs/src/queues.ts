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

export function defaultJobOptions(retry: RetryPolicy): JobsOptions {
  return {
    attempts: retry.attempts,
    // Jitter spreads the retries of jobs that failed together (a database blip) so they do
    // not all come back at the same instant.
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    // Completed jobs are kept for a day: while a job is kept, re-adding its id is a no-op,
    // which is what makes a re-sent outbox event harmless.
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
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
