// A Redis blip at the worst moment: a job's last attempt fails while Redis is away, so the
// worker must file the dead letter during the outage. The letter has to wait for Redis and
// keep the job's own error, and the failure has to be counted once. This file runs a Redis of
// its own that keeps its data across a crash, and an SMTP server that takes the connection
// and stays silent, so the test decides when the job fails.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { type PrivateRedis, startPrivateRedis } from '@headroom/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeMetric } from './support/scrape-metrics.ts';
import { insertUsers, recordEvent } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let redisDir: string;
let redis: PrivateRedis;
let stack: TestStack;
let worker: WorkerProcess;
let queues: TestQueues;
const smtpSockets: Socket[] = [];
const silentSmtp = createServer((socket) => {
  socket.on('error', () => {});
  smtpSockets.push(socket);
});

beforeAll(async () => {
  redisDir = await mkdtemp(path.join(tmpdir(), 'headroom-redis-blip-'));
  redis = await startPrivateRedis({ dataDir: redisDir });
  stack = await createTestStack('redisblip', { redisUrl: redis.url });
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => silentSmtp.listen(smtpPort, '127.0.0.1', resolve));
  worker = await startWorkerProcess(
    workerEnv(stack, {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      EMAIL_FILE_DIR: undefined,
      // The first failure is the last.
      JOB_ATTEMPTS: '1',
    }),
  );
});
afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  for (const socket of smtpSockets) socket.destroy();
  silentSmtp.close();
  await stack?.close();
  await redis?.stop();
  if (redisDir) await rm(redisDir, { recursive: true, force: true });
});

const linesSaying = (text: string) => () =>
  worker
    .output()
    .split('\n')
    .filter((line) => line.includes(text)).length;

describe('a Redis blip while a job fails for good', () => {
  it('when Redis is down as a job fails its last attempt, then once Redis is back the letter is filed with the error of the job itself and the failure is counted once', async () => {
    const [userId] = (await insertUsers(stack.sql, 1)) as [number];
    const eventId = await recordEvent(stack.sql, { type: 'user.registered', payload: { userId } });
    // The job is running: it has connected to SMTP and waits for the greeting.
    await expect.poll(() => smtpSockets.length, { timeout: 15_000 }).toBe(1);

    const errorsBefore = linesSaying('redis connection error')();
    await redis.stop('SIGKILL');
    // The worker has noticed: its two connections log their failed reconnects.
    await expect
      .poll(linesSaying('redis connection error'), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(errorsBefore + 2);
    smtpSockets[0]!.destroy();
    await expect.poll(linesSaying('job failed for good'), { timeout: 10_000 }).toBe(1);
    await redis.start();
    // Opened only now: a client of the test's own would only add its reconnect errors.
    queues = openTestQueues(stack);

    const jobId = `${eventId}.send-email`;
    await expect
      .poll(async () => (await queues.job('send-email', jobId))?.getState(), { timeout: 15_000 })
      .toBe('failed');
    const failedReason = (await queues.job('send-email', jobId))?.failedReason;
    expect(failedReason).not.toMatch(/redis|stream|offline/i);
    await expect
      .poll(
        async () =>
          (await queues.deadLetters.list()).find((entry) => entry.id === `send-email.${jobId}`)
            ?.letter,
        { timeout: 15_000 },
      )
      .toMatchObject({ error: expect.stringContaining(failedReason!) });
    expect(
      await scrapeMetric(worker.metricsUrl, 'job_failures_total{queue="send-email",final="true"}'),
    ).toBe(1);
  });
});
