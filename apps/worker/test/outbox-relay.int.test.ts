// The relay side of the outbox with more than one worker, and with events it cannot route:
// relays share the pending events without delivering any twice (FOR UPDATE SKIP LOCKED), and
// an event type this worker does not know (recorded by a newer API during a rolling deploy)
// waits for a worker that does, without holding up the events behind it.
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeMetric } from './support/scrape-metrics.ts';
import { countRows, insertArticle, insertUsers, recordEvent } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

const EVENTS = 500;

let stack: TestStack;
let queues: TestQueues;
let workers: WorkerProcess[];

beforeAll(async () => {
  stack = await createTestStack('relay');
  queues = openTestQueues(stack);
  // Small batches, so the two relays take turns many times over the same rows.
  const env = workerEnv(stack, { OUTBOX_BATCH_SIZE: '10', OUTBOX_POLL_INTERVAL_MS: '50' });
  workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await queues?.close();
  await stack?.close();
});

/**
 * The id of an article that does not exist: its render jobs complete and do nothing, so they
 * record no article.rendered events of their own to skew the counts of what was delivered.
 */
async function missingArticleId(): Promise<number> {
  const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
  const articleId = await insertArticle(stack.sql, authorId);
  await stack.sql.query('DELETE FROM articles WHERE id = $1', [articleId]);
  return articleId;
}

/** How many events this worker's relay delivered (its delivery-latency histogram's count). */
async function deliveredBy(worker: WorkerProcess): Promise<number> {
  return (await scrapeMetric(worker.metricsUrl, 'outbox_delivery_latency_seconds_count')) ?? 0;
}

describe('the outbox relay', () => {
  it('when two workers relay a burst of events, then each event is delivered by one of them, once', async () => {
    const articleId = await missingArticleId();
    const before = (await Promise.all(workers.map(deliveredBy))).reduce((a, b) => a + b, 0);

    // One statement, one commit: every event is pending at once for both relays to race for.
    const { rows } = await stack.sql.query<{ id: string }>(
      `INSERT INTO outbox_events (id, type, payload)
       SELECT gen_random_uuid(), 'article.updated', jsonb_build_object('articleId', $1::int)
         FROM generate_series(1, $2::int)
       RETURNING id`,
      [articleId, EVENTS],
    );
    const ids = rows.map((row) => row.id);

    await expect
      .poll(
        () =>
          countRows(
            stack.sql,
            'outbox_events WHERE id = ANY($1::uuid[]) AND delivered_at IS NULL',
            [ids],
          ),
        { timeout: 20_000 },
      )
      .toBe(0);
    const perWorker = await Promise.all(workers.map(deliveredBy));
    expect(perWorker.reduce((a, b) => a + b, 0) - before).toBe(EVENTS);
    await expect
      .poll(
        async () =>
          (await queues.completed('render-article')).filter((job) =>
            ids.includes(String(job.id).split('.')[0]!),
          ).length,
        { timeout: 20_000 },
      )
      .toBe(EVENTS);
  });

  it('when an event of a type this worker does not know is pending, then the events after it are still delivered and it waits', async () => {
    const { rows } = await stack.sql.query<{ id: string }>(
      `INSERT INTO outbox_events (id, type, payload, created_at)
       VALUES (gen_random_uuid(), 'article.translated', '{"articleId": 1}', now() - interval '1 minute')
       RETURNING id`,
    );
    const unknownId = rows[0]!.id;
    const [userId] = (await insertUsers(stack.sql, 1)) as [number];
    const knownId = await recordEvent(stack.sql, { type: 'user.registered', payload: { userId } });

    await expect
      .poll(
        () =>
          countRows(stack.sql, 'outbox_events WHERE id = $1 AND delivered_at IS NOT NULL', [
            knownId,
          ]),
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    expect(
      await countRows(stack.sql, 'outbox_events WHERE id = $1 AND delivered_at IS NULL', [
        unknownId,
      ]),
    ).toBe(1);
  });

  it('when a known event carries a bad payload, then its job fails validation and is dead-lettered, and later events are delivered', async () => {
    const { rows } = await stack.sql.query<{ id: string }>(
      `INSERT INTO outbox_events (id, type, payload)
       VALUES (gen_random_uuid(), 'user.registered', '{"userId": "seven"}') RETURNING id`,
    );
    const badId = rows[0]!.id;
    const [userId] = (await insertUsers(stack.sql, 1)) as [number];
    const goodId = await recordEvent(stack.sql, { type: 'user.registered', payload: { userId } });

    await expect
      .poll(
        async () =>
          (await queues.deadLetters.list()).find(
            (entry) => entry.id === `send-email.${badId}.send-email`,
          )?.letter.error,
        { timeout: 10_000 },
      )
      .toMatch(/^UnrecoverableError: invalid payload/);
    await expect
      .poll(async () => (await queues.job('send-email', `${goodId}.send-email`))?.getState(), {
        timeout: 10_000,
      })
      .toBe('completed');
  });

  it('when a batch is enqueued but its commit fails, then its delivery latency is observed only once the retry commits, once per event', async () => {
    const articleId = await missingArticleId();
    const delivered = async () =>
      (await Promise.all(workers.map(deliveredBy))).reduce((a, b) => a + b, 0);
    const failedRounds = () =>
      workers
        .flatMap((worker) => worker.output().split('\n'))
        .filter((line) => line.includes('outbox relay round failed')).length;
    const deliveredBefore = await delivered();
    const failedBefore = failedRounds();

    // A deferred trigger fails every relay transaction at COMMIT, after the jobs went to Redis.
    await stack.sql.query(`
      CREATE OR REPLACE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$;
      CREATE CONSTRAINT TRIGGER refuse_delivery AFTER UPDATE ON outbox_events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit();`);
    let ids: string[];
    try {
      const { rows } = await stack.sql.query<{ id: string }>(
        `INSERT INTO outbox_events (id, type, payload)
         SELECT gen_random_uuid(), 'article.updated', jsonb_build_object('articleId', $1::int)
           FROM generate_series(1, 3)
         RETURNING id`,
        [articleId],
      );
      ids = rows.map((row) => row.id);
      await expect.poll(failedRounds, { timeout: 10_000 }).toBeGreaterThan(failedBefore);
      expect(await delivered()).toBe(deliveredBefore);
    } finally {
      await stack.sql.query('DROP TRIGGER refuse_delivery ON outbox_events');
    }

    await expect
      .poll(
        () =>
          countRows(
            stack.sql,
            'outbox_events WHERE id = ANY($1::uuid[]) AND delivered_at IS NULL',
            [ids],
          ),
        { timeout: 10_000 },
      )
      .toBe(0);
    expect((await delivered()) - deliveredBefore).toBe(ids.length);
  });
});
