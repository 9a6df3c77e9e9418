// A Redis that hangs (frozen: connections open, nothing answered) rather than one that is down.
// The relay's adds time out (PRODUCER_COMMAND_TIMEOUT_MS in main.ts), so its transaction rolls
// back and gives its row locks up instead of waiting on Redis for good; the events wait in the
// outbox and, once Redis answers again, each is delivered once. The workers' own blocking
// commands never time out (BullMQ's rule) and simply resume. A Redis of this file's own.
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { type PrivateRedis, startPrivateRedis } from '@headroom/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertArticle, insertUsers, recordEvent } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let redis: PrivateRedis;
let stack: TestStack;
let worker: WorkerProcess;
let queues: TestQueues;

beforeAll(async () => {
  redis = await startPrivateRedis();
  stack = await createTestStack('redisfrozen', { redisUrl: redis.url });
  worker = await startWorkerProcess(workerEnv(stack));
  queues = openTestQueues(stack);
});
afterAll(async () => {
  redis?.resume();
  await worker?.stop();
  await queues?.close();
  await stack?.close();
  await redis?.stop();
});

describe('Redis frozen while the relay delivers', () => {
  it('when Redis stops answering, then the relay round times out and rolls back, and once Redis answers each event is delivered once', async () => {
    const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
    const articleId = await insertArticle(stack.sql, authorId);
    const timedOutRounds = () =>
      worker
        .output()
        .split('\n')
        .filter(
          (line) =>
            line.includes('outbox relay round failed') && line.includes('Command timed out'),
        ).length;

    redis.pause();
    const eventId = await recordEvent(stack.sql, {
      type: 'article.updated',
      payload: { articleId },
    });
    try {
      // A round takes the event, its add times out after 2 s, and the round rolls back: well
      // inside this wait, where a round without the timeout would still be waiting on Redis.
      await expect.poll(timedOutRounds, { timeout: 8_000 }).toBeGreaterThan(0);
      const { rows } = await stack.sql.query<{ delivered_at: Date | null }>(
        'SELECT delivered_at FROM outbox_events WHERE id = $1',
        [eventId],
      );
      expect(rows).toEqual([{ delivered_at: null }]);
      // Rolled back: no transaction of the relay holds the event's row any more.
      const { rows: locked } = await stack.sql.query(
        'SELECT id FROM outbox_events WHERE id = $1 FOR UPDATE SKIP LOCKED',
        [eventId],
      );
      expect(locked).toHaveLength(1);
    } finally {
      redis.resume();
    }

    await expect
      .poll(
        async () =>
          (
            await stack.sql.query<{ delivered_at: Date | null }>(
              'SELECT delivered_at FROM outbox_events WHERE id = $1',
              [eventId],
            )
          ).rows[0]?.delivered_at,
        { timeout: 15_000 },
      )
      .toBeInstanceOf(Date);
    const jobId = `${eventId}.render-article`;
    await expect
      .poll(async () => (await queues.job('render-article', jobId))?.finishedOn, {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    const rendered = (await queues.completed('render-article')).filter((job) => job.id === jobId);
    expect(rendered).toHaveLength(1);
    expect(worker.child.exitCode).toBeNull();
  });
});
