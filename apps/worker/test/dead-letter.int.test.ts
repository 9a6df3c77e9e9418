// Jobs that cannot succeed end in the dead-letter queue with their error, and an operator
// handles them with `npm run jobs -- dlq ...`. The worker here sends email to an SMTP stand-in
// that starts closed, so every delivery fails until the test opens it.
import { freePort, startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobsCli } from './support/jobs-cli.ts';
import { scrapeMetric } from './support/scrape-metrics.ts';
import { insertUsers, recordEvent } from './support/seed-sql.ts';
import { createSmtpStandIn } from './support/smtp-stand-in.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import {
  createTestStack,
  TEST_RETRY_POLICY,
  type TestStack,
  workerEnv,
} from './support/test-stack.ts';

/** What the worker (workerEnv) and the jobs the test adds itself both get. */
const JOB_ATTEMPTS = TEST_RETRY_POLICY.attempts;

let stack: TestStack;
let smtp: Awaited<ReturnType<typeof createSmtpStandIn>>;
let env: Record<string, string>;
let worker: WorkerProcess;
let queues: TestQueues;

beforeAll(async () => {
  stack = await createTestStack('deadletter');
  smtp = await createSmtpStandIn();
  env = workerEnv(stack, { SMTP_URL: smtp.url, EMAIL_FILE_DIR: undefined });
  worker = await startWorkerProcess(env);
  queues = openTestQueues(stack);
});
afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  await smtp?.close();
  await stack?.close();
});

async function deadLetter(id: string) {
  return (await queues.deadLetters.list()).find((entry) => entry.id === id)?.letter;
}

describe('the dead-letter queue', () => {
  it('when a job payload breaks the contract, then it is dead-lettered at once, without retries', async () => {
    await queues.add('render-article', { articleId: 'not-a-number' }, 'poison-payload');

    await expect
      .poll(() => deadLetter('render-article.poison-payload'), { timeout: 15_000 })
      .toMatchObject({
        queue: 'render-article',
        jobId: 'poison-payload',
        data: { articleId: 'not-a-number' },
        attemptsMade: 1,
        error: expect.stringContaining('invalid payload: /articleId'),
      });
    const job = await queues.job('render-article', 'poison-payload');
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsStarted).toBe(1);
  });

  it('when every attempt fails, then the job is dead-lettered after JOB_ATTEMPTS, the CLI lists it, and a retry once the cause is fixed delivers it', async () => {
    const [userId] = (await insertUsers(stack.sql, 1)) as [number];
    const eventId = await recordEvent(stack.sql, { type: 'user.registered', payload: { userId } });
    const letterId = `send-email.${eventId}.send-email`;

    await expect
      .poll(() => deadLetter(letterId), { timeout: 20_000 })
      .toMatchObject({
        queue: 'send-email',
        jobId: `${eventId}.send-email`,
        data: { template: 'welcome', userId },
        attemptsMade: JOB_ATTEMPTS,
        error: expect.stringContaining('ECONNREFUSED'),
      });
    const failed = await queues.job('send-email', `${eventId}.send-email`);
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsMade).toBe(JOB_ATTEMPTS);
    expect(
      await scrapeMetric(worker.metricsUrl, 'job_failures_total{queue="send-email",final="true"}'),
    ).toBe(1);

    const listed = await runJobsCli(env, 'dlq', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${letterId}  send-email/send-email  attempts=${JOB_ATTEMPTS}`);
    expect(listed.stdout).toContain(`"userId":${userId}`);
    expect(listed.stdout).toContain('ECONNREFUSED');

    await smtp.open();
    const retried = await runJobsCli(env, 'dlq', 'retry', letterId);
    expect(retried).toMatchObject({ code: 0, stdout: '1 job(s) back on their queues\n' });

    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    const { rows } = await stack.sql.query<{ email: string }>(
      'SELECT email FROM users WHERE id = $1',
      [userId],
    );
    expect(smtp.received[0]?.to).toEqual([`<${rows[0]!.email}>`]);
    expect(smtp.received[0]?.data).toContain('Subject: Welcome to Conduit');
    expect(await deadLetter(letterId)).toBeUndefined();
    expect(
      (
        await stack.sql.query('SELECT 1 FROM email_deliveries WHERE key = $1', [
          `welcome-${userId}`,
        ])
      ).rowCount,
    ).toBe(1);
  });

  it('when a retried dead letter fails again, then it gets JOB_ATTEMPTS fresh attempts before it is dead-lettered again', async () => {
    await smtp.close();
    const [userId] = (await insertUsers(stack.sql, 1)) as [number];
    await queues.add('send-email', { template: 'welcome', userId }, 'fails-twice');
    const letterId = 'send-email.fails-twice';
    await expect
      .poll(() => deadLetter(letterId), { timeout: 20_000 })
      .toMatchObject({ attemptsMade: JOB_ATTEMPTS });

    const retried = await runJobsCli(env, 'dlq', 'retry', letterId);
    expect(retried).toMatchObject({ code: 0, stdout: '1 job(s) back on their queues\n' });

    const secondLetter = async () =>
      (await queues.deadLetters.list()).find((entry) =>
        entry.letter.jobId.startsWith('fails-twice.retry-'),
      )?.letter;
    await expect.poll(secondLetter, { timeout: 20_000 }).toMatchObject({
      attemptsMade: JOB_ATTEMPTS,
      error: expect.stringContaining('ECONNREFUSED'),
    });
    const retriedJob = await queues.job('send-email', (await secondLetter())!.jobId);
    // The retry carries the queue's whole job policy, so once it succeeds it is not kept forever.
    expect(retriedJob?.opts).toMatchObject({
      attempts: JOB_ATTEMPTS,
      removeOnComplete: expect.anything(),
    });
  });

  it('when an operator discards a dead letter, then it is gone from the list, and discarding an unknown id fails', async () => {
    await queues.add('fan-out-notifications', { articleId: 1 }, 'to-discard');
    const letterId = 'fan-out-notifications.to-discard';
    await expect.poll(() => deadLetter(letterId), { timeout: 15_000 }).toBeDefined();

    const discarded = await runJobsCli(env, 'dlq', 'discard', letterId);
    expect(discarded).toMatchObject({ code: 0, stdout: `discarded ${letterId}\n` });
    expect(await deadLetter(letterId)).toBeUndefined();
    expect((await runJobsCli(env, 'dlq', 'list')).stdout).not.toContain(letterId);

    const unknown = await runJobsCli(env, 'dlq', 'discard', 'no-such-letter');
    expect(unknown).toMatchObject({ code: 1, stdout: 'no dead letter no-such-letter\n' });
  });

  it('when Redis is unreachable, then the CLI says so and exits 1 instead of waiting', async () => {
    const closedPort = await freePort();
    const result = await runJobsCli(
      { ...env, REDIS_URL: `redis://127.0.0.1:${closedPort}` },
      'dlq',
      'list',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach Redis at 127.0.0.1:${closedPort}`);
  });
});
