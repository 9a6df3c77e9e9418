// Every worker registers the schedules at start-up, yet the cluster must run each scheduled
// job once per period, not once per worker. Two workers run side by side with a one-second
// trending-tags schedule, and the completed jobs are counted per scheduled time.
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

const PERIOD_MS = 1_000;
const PERIODS = 5;

let stack: TestStack;
let queues: TestQueues;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await createTestStack('schedules');
  queues = openTestQueues(stack);
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await queues?.close();
  await stack?.close();
});

describe('scheduled jobs with several workers', () => {
  it('when two workers run with a one-second trending-tags schedule, then each period runs once', async () => {
    const env = workerEnv(stack, { TRENDING_TAGS_EVERY_SECONDS: String(PERIOD_MS / 1000) });
    const startedAt = Date.now();
    workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
    const scheduled = async () =>
      (await queues.completed('recompute-trending-tags')).map((job) => ({
        id: String(job.id),
        // Scheduler job ids are `repeat:<scheduler id>:<scheduled time in ms>`.
        scheduledFor: Number(String(job.id).split(':').at(-1)),
      }));

    await expect
      .poll(async () => (await scheduled()).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(PERIODS);
    await Promise.all(workers.map((worker) => worker.stop()));
    const elapsedMs = Date.now() - startedAt;

    const runs = (await scheduled()).sort((a, b) => a.scheduledFor - b.scheduledFor);
    // One job per scheduled time, and consecutive scheduled times a whole period apart: two
    // schedulers offset from each other would show up as runs less than a period apart.
    for (const [index, run] of runs.entries()) {
      if (index === 0) continue;
      expect(run.scheduledFor - runs[index - 1]!.scheduledFor, run.id).toBeGreaterThanOrEqual(
        PERIOD_MS,
      );
    }
    // About one run per elapsed period (the first runs at once), where one schedule per worker
    // would give about twice that.
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / PERIOD_MS) + 1);
    expect(await queues.queues['recompute-trending-tags'].getJobSchedulers()).toHaveLength(1);
  });
});
