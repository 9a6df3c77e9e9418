// What a worker shows Prometheus on its own port: per queue, the jobs waiting and the age of
// the oldest; job durations by outcome; the outbox backlog. A paused queue makes a backlog to
// look at without racing the worker.
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeMetric } from './support/scrape-metrics.ts';
import { insertArticle, insertUsers } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let stack: TestStack;
let worker: WorkerProcess;
let queues: TestQueues;

beforeAll(async () => {
  stack = await createTestStack('metrics');
  worker = await startWorkerProcess(workerEnv(stack));
  queues = openTestQueues(stack);
});
afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  await stack?.close();
});

const metric = (series: string) => scrapeMetric(worker.metricsUrl, series);

describe('worker metrics', () => {
  it('when jobs wait in a queue, then its depth and the age of the oldest are exported, and once they run, their durations', async () => {
    const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
    const articleId = await insertArticle(stack.sql, authorId);
    const queue = queues.queues['render-article'];
    await queue.pause();
    try {
      for (const run of ['a', 'b', 'c']) {
        await queues.add('render-article', { articleId }, `metrics-${run}`);
      }
      await expect.poll(() => metric('queue_jobs{queue="render-article",state="waiting"}')).toBe(3);
      // The oldest job's age is measured at scrape time: a later scrape sees it older.
      const firstAge = (await metric(
        'queue_oldest_waiting_job_age_seconds{queue="render-article"}',
      ))!;
      await expect
        .poll(() => metric('queue_oldest_waiting_job_age_seconds{queue="render-article"}'))
        .toBeGreaterThan(firstAge);
    } finally {
      await queue.resume();
    }

    await expect
      .poll(() => metric('job_duration_seconds_count{queue="render-article",outcome="completed"}'))
      .toBe(3);
    expect(await metric('queue_jobs{queue="render-article",state="waiting"}')).toBe(0);
    expect(await metric('queue_oldest_waiting_job_age_seconds{queue="render-article"}')).toBe(0);
    // Each render records article.rendered in the outbox, which the relay takes on its next
    // poll (the worker's own events wake no relay), so the backlog empties shortly after.
    await expect.poll(() => metric('outbox_pending_events')).toBe(0);
    await expect.poll(() => metric('outbox_lag_seconds')).toBe(0);
  });
});
