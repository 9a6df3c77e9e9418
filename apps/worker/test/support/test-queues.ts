// The test's side of BullMQ: the same typed queues the worker consumes (under the test's
// prefix), for adding jobs the way the relay does and for reading what became of them.
import type { JobName } from '@headroom/jobs/contract';
import { closeQueues, createQueues, type Queues } from '@headroom/jobs/queues';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createDeadLetterQueue, type DeadLetterQueue } from '../../src/dead-letter.ts';
import { TEST_RETRY_POLICY } from './test-stack.ts';

export interface TestQueues {
  queues: Queues;
  deadLetters: DeadLetterQueue;
  /** Adds a job as-is (no payload check): how a test delivers a poison or duplicate job. */
  add: (name: JobName, data: unknown, jobId: string) => Promise<void>;
  job: (name: JobName, jobId: string) => Promise<Job | undefined>;
  /** Every completed job of a queue still kept (the newest 10,000, for at most a day). */
  completed: (name: JobName) => Promise<Job[]>;
  close: () => Promise<void>;
}

export function openTestQueues(stack: { redisUrl: string; queuePrefix: string }): TestQueues {
  const connection = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
  const queues = createQueues({
    connection,
    prefix: stack.queuePrefix,
    retry: TEST_RETRY_POLICY,
  });
  const deadLetters = createDeadLetterQueue({ connection, prefix: stack.queuePrefix, queues });
  const untyped = (name: JobName) =>
    queues[name] as unknown as {
      add: (name: string, data: unknown, opts: { jobId: string }) => Promise<unknown>;
      getJob: (id: string) => Promise<Job | undefined>;
      getJobs: (types: string[], start: number, end: number) => Promise<Job[]>;
    };
  return {
    queues,
    deadLetters,
    add: async (name, data, jobId) => {
      await untyped(name).add(name, data, { jobId });
    },
    job: (name, jobId) => untyped(name).getJob(jobId),
    completed: (name) => untyped(name).getJobs(['completed'], 0, -1),
    close: async () => {
      await Promise.all([closeQueues(queues), deadLetters.close()]);
      connection.disconnect();
    },
  };
}
