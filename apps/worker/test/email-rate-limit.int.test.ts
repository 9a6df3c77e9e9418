// A burst of emails is spread out to EMAIL_RATE_LIMIT_PER_SECOND, so a spike in sign-ups
// cannot flood the SMTP server (BullMQ's limiter, kept in Redis for the whole queue).
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUsers } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

const PER_SECOND = 2;
const EMAILS = 6;

let stack: TestStack;
let worker: WorkerProcess;
let queues: TestQueues;

beforeAll(async () => {
  stack = await createTestStack('emailrate');
  worker = await startWorkerProcess(
    workerEnv(stack, { EMAIL_RATE_LIMIT_PER_SECOND: String(PER_SECOND) }),
  );
  queues = openTestQueues(stack);
});
afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  await stack?.close();
});

describe('the email rate limit', () => {
  it('when a burst of emails is queued, then they start EMAIL_RATE_LIMIT_PER_SECOND per second', async () => {
    const userIds = await insertUsers(stack.sql, EMAILS);
    await Promise.all(
      userIds.map((userId) =>
        queues.add('send-email', { template: 'welcome', userId }, `burst-${userId}`),
      ),
    );

    await expect
      .poll(async () => (await queues.completed('send-email')).length, { timeout: 15_000 })
      .toBe(EMAILS);
    const started = (await queues.completed('send-email'))
      .map((job) => job.processedOn!)
      .sort((a, b) => a - b);
    // The limiter counts in fixed one-second windows, each opened by its first job: jobs 0-1
    // share the first window, 2-3 the next, ... so each window's first job starts at least a
    // second after the previous window's (a few milliseconds of slack for timer granularity).
    for (let index = PER_SECOND; index < started.length; index += PER_SECOND) {
      expect(started[index]! - started[index - PER_SECOND]!).toBeGreaterThanOrEqual(990);
    }
    expect(started.at(-1)! - started[0]!).toBeGreaterThanOrEqual(
      (EMAILS / PER_SECOND - 1) * 1000 - 10,
    );
  });
});
