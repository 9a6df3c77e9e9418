// The other kind of poison job: one that takes its worker down (out of memory, a native crash)
// each time it runs. BullMQ hands it on after each crash, and after more stalls than it allows
// fails it without running it again. That failure must reach the dead-letter queue too, or
// the job vanishes from `npm run jobs -- dlq list` and from the failure metrics.
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeMetric } from './support/scrape-metrics.ts';
import { countRows, insertArticle, insertFollows, insertUsers } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let stack: TestStack;
let queues: TestQueues;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await createTestStack('crashingjob');
  queues = openTestQueues(stack);
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await queues?.close();
  await stack?.close();
});

describe('a job that crashes its worker', () => {
  it('when every worker running a job dies, then after the stall limit the job is dead-lettered, not silently failed', async () => {
    const env = workerEnv(stack, {
      // A fan-out of many slow batches stands in for a job that runs long enough to be killed.
      FAN_OUT_BATCH_SIZE: '5',
      FAN_OUT_BATCHES_PER_JOB: '100',
      FAN_OUT_BATCH_PAUSE_MS: '200',
      JOB_LOCK_DURATION_MS: '1000',
      JOB_STALLED_INTERVAL_MS: '500',
    });
    const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
    await insertFollows(stack.sql, await insertUsers(stack.sql, 200), authorId);
    const articleId = await insertArticle(stack.sql, authorId);
    const notified = () => countRows(stack.sql, 'notifications WHERE article_id = $1', [articleId]);
    await queues.add(
      'fan-out-notifications',
      { articleId, authorId, afterFollowerId: 0 },
      'crasher',
    );
    const crasher = () => queues.job('fan-out-notifications', 'crasher');

    // BullMQ allows one stall (maxStalledCount 1): the job runs, its worker dies, it runs
    // again elsewhere, that worker dies too.
    for (let run = 1; run <= 2; run++) {
      const worker = await startWorkerProcess(env);
      workers.push(worker);
      const before = await notified();
      await expect
        .poll(async () => (await crasher())?.attemptsStarted, { timeout: 15_000 })
        .toBe(run);
      await expect.poll(notified, { timeout: 15_000 }).toBeGreaterThan(before);
      await worker.stop('SIGKILL');
    }

    const survivor = await startWorkerProcess(env);
    workers.push(survivor);
    await expect
      .poll(async () => (await crasher())?.getState(), { timeout: 15_000 })
      .toBe('failed');
    expect((await crasher())?.failedReason).toBe('job stalled more than allowable limit');
    await expect
      .poll(
        async () =>
          (await queues.deadLetters.list()).find(
            (entry) => entry.id === 'fan-out-notifications.crasher',
          )?.letter,
      )
      .toMatchObject({
        queue: 'fan-out-notifications',
        jobId: 'crasher',
        error: 'UnrecoverableError: job stalled more than allowable limit',
        // BullMQ's count: runs cut short by a crash are stalls, not attempts.
        attemptsMade: (await crasher())?.attemptsMade,
      });
    expect(
      await scrapeMetric(
        survivor.metricsUrl,
        'job_failures_total{queue="fan-out-notifications",final="true"}',
      ),
    ).toBe(1);
  });
});
