// SIGTERM (a deploy, a scale-down) while a slow job runs: the worker stops taking jobs, lets
// the running one finish within SHUTDOWN_TIMEOUT_MS and exits 0. A job that outlives the
// deadline is left to the stalled-job check, and another worker finishes it.
import { startWorkerProcess } from '@headroom/testing/processes';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countRows, insertArticle, insertFollows, insertUsers } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

const FOLLOWERS = 100;

let stack: TestStack;
/** The file's stack with a queue prefix of the current test's own. */
let testStack: TestStack;
let queues: TestQueues;

beforeAll(async () => {
  stack = await createTestStack('shutdown');
});
afterAll(async () => {
  await stack?.close();
});

// Each test has queues of its own: BullMQ runs one stalled-job check per queue for all its
// workers, at the pace the last checking worker set, so one test's settings would hold back
// another's recovery.
let testNumber = 0;
beforeEach(async () => {
  testNumber++;
  testStack = { ...stack, queuePrefix: `${stack.queuePrefix}-${testNumber}` };
  queues = openTestQueues(testStack);
});
afterEach(async () => {
  await queues?.close();
});

/** An author with followers and an article: one fan-out job of ten batches, 200 ms apart. */
async function slowFanOut(jobId: string) {
  const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
  const followerIds = await insertUsers(stack.sql, FOLLOWERS);
  await insertFollows(stack.sql, followerIds, authorId);
  const articleId = await insertArticle(stack.sql, authorId);
  await queues.add('fan-out-notifications', { articleId, authorId, afterFollowerId: 0 }, jobId);
  return {
    lastFollowerId: followerIds.at(-1)!,
    notified: () => countRows(stack.sql, 'notifications WHERE article_id = $1', [articleId]),
  };
}

const slowFanOutEnv = {
  FAN_OUT_BATCH_SIZE: '10',
  FAN_OUT_BATCHES_PER_JOB: '10',
  FAN_OUT_BATCH_PAUSE_MS: '200',
};

describe('graceful shutdown', () => {
  it('when SIGTERM arrives during a slow job, then the worker takes no new job, finishes the running one and exits 0 before the deadline', async () => {
    const worker = await startWorkerProcess(
      workerEnv(testStack, { ...slowFanOutEnv, SHUTDOWN_TIMEOUT_MS: '10000' }),
    );
    const fanOut = await slowFanOut('drained');
    await expect.poll(fanOut.notified, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);
    expect(await fanOut.notified()).toBeLessThan(FOLLOWERS);

    const signalledAt = Date.now();
    const code = await worker.stop('SIGTERM');
    const shutdownMs = Date.now() - signalledAt;

    expect(code).toBe(0);
    expect(shutdownMs).toBeLessThan(10_000);
    expect(worker.output()).toContain('shutdown complete');
    expect(await (await queues.job('fan-out-notifications', 'drained'))?.getState()).toBe(
      'completed',
    );
    expect(await fanOut.notified()).toBe(FOLLOWERS);
    // The job handed the rest of the followers to a continuation as it finished; the closing
    // worker did not take it.
    const continuation = await queues.job(
      'fan-out-notifications',
      `drained.after-${fanOut.lastFollowerId}`,
    );
    expect(await continuation?.getState()).toBe('waiting');
  });

  it('when a job outlives SHUTDOWN_TIMEOUT_MS, then the worker exits 1 at the deadline and another worker finishes the job', async () => {
    const env = workerEnv(testStack, {
      ...slowFanOutEnv,
      SHUTDOWN_TIMEOUT_MS: '300',
      JOB_LOCK_DURATION_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
    });
    const worker = await startWorkerProcess(env);
    const fanOut = await slowFanOut('overdue');
    await expect.poll(fanOut.notified, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);

    const signalledAt = Date.now();
    const code = await worker.stop('SIGTERM');
    const shutdownMs = Date.now() - signalledAt;

    expect(code).toBe(1);
    expect(shutdownMs).toBeLessThan(1_500);
    expect(worker.output()).toContain('shutdown timed out');
    expect(await fanOut.notified()).toBeLessThan(FOLLOWERS);
    expect(await (await queues.job('fan-out-notifications', 'overdue'))?.getState()).toBe('active');

    const successor = await startWorkerProcess(env);
    try {
      await expect.poll(fanOut.notified, { timeout: 20_000 }).toBe(FOLLOWERS);
      await expect
        .poll(async () => (await queues.job('fan-out-notifications', 'overdue'))?.getState(), {
          timeout: 10_000,
        })
        .toBe('completed');
    } finally {
      await successor.stop();
    }
  });
});
