// The dead-letter queue: where a job goes when it has used all its attempts, or failed in a
// way no retry can fix (an invalid payload). Nothing is lost: each entry keeps the original
// queue, job id, payload and error, and `npm run jobs -- dlq` lists, retries or discards them.
import { type JobName, jobNames } from '@headroom/jobs/contract';
import { DEAD_LETTER_QUEUE, type Queues } from '@headroom/jobs/queues';
import { type ConnectionOptions, type Job, Queue } from 'bullmq';

export interface DeadLetter {
  queue: string;
  jobId: string;
  jobName: string;
  data: unknown;
  error: string;
  attemptsMade: number;
  failedAt: string;
}

export function createDeadLetterQueue(options: {
  connection: ConnectionOptions;
  prefix: string;
  /** Where a retried letter goes back to: the queues' own job options give it fresh attempts. */
  queues: Queues;
}) {
  const { queues, ...queueOptions } = options;
  const queue = new Queue<DeadLetter>(DEAD_LETTER_QUEUE, {
    ...queueOptions,
    // Dead letters wait for a person: never removed automatically, never processed by a worker.
    defaultJobOptions: { removeOnComplete: false, removeOnFail: false },
  });

  return {
    /**
     * Files a job that will not be retried. Idempotent per original job id. `attemptsMade`
     * is BullMQ's count once the failure is recorded: by default, a handler's failure that
     * BullMQ has not counted yet.
     */
    async add(job: Job, error: Error, attemptsMade = job.attemptsMade + 1): Promise<void> {
      const letter: DeadLetter = {
        queue: job.queueName,
        jobId: String(job.id),
        jobName: job.name,
        data: job.data,
        error: `${error.name}: ${error.message}`,
        attemptsMade,
        failedAt: new Date().toISOString(),
      };
      await queue.add(job.name, letter, { jobId: `${job.queueName}.${job.id}` });
    },

    async list(): Promise<{ id: string; letter: DeadLetter }[]> {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1, true);
      return jobs.map((job) => ({ id: String(job.id), letter: job.data }));
    },

    /**
     * Puts the job back on its original queue with fresh attempts (the queue's default job
     * options: JOB_ATTEMPTS, backoff, retention), and removes the letter.
     */
    async retry(id: string): Promise<boolean> {
      const job = await queue.getJob(id);
      if (!job) return false;
      const letter = job.data;
      if (!jobNames.includes(letter.queue as JobName)) {
        throw new Error(`dead letter ${id} belongs to an unknown queue: ${letter.queue}`);
      }
      // Untyped: the payload is the one that failed, and the worker checks it on arrival.
      const target = queues[letter.queue as JobName] as unknown as Queue;
      await target.add(letter.jobName, letter.data, {
        jobId: `${letter.jobId}.retry-${Date.now()}`,
      });
      await job.remove();
      return true;
    },

    async discard(id: string): Promise<boolean> {
      const job = await queue.getJob(id);
      if (!job) return false;
      await job.remove();
      return true;
    },

    close: () => queue.close(),
  };
}

export type DeadLetterQueue = ReturnType<typeof createDeadLetterQueue>;
