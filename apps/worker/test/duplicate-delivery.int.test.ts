// At-least-once delivery made harmless: an outbox event relayed twice is one job (its id is
// derived from the event), and a job that does run twice (a retry after a crash, a re-added
// job) leaves the state it left the first time.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countRows,
  insertArticle,
  insertFollows,
  insertUsers,
  recordEvent,
} from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let stack: TestStack;
let worker: WorkerProcess;
let queues: TestQueues;

beforeAll(async () => {
  stack = await createTestStack('duplicates');
  // Small fan-out batches, so one fan-out spans several jobs (continuations) as a big one does.
  worker = await startWorkerProcess(
    workerEnv(stack, { FAN_OUT_BATCH_SIZE: '10', FAN_OUT_BATCHES_PER_JOB: '2' }),
  );
  queues = openTestQueues(stack);
});
afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  await stack?.close();
});

async function delivered(eventId: string): Promise<boolean> {
  const { rows } = await stack.sql.query<{ delivered: boolean }>(
    'SELECT delivered_at IS NOT NULL AS delivered FROM outbox_events WHERE id = $1',
    [eventId],
  );
  return rows[0]?.delivered ?? false;
}

async function completed(job: Promise<Job | undefined> | Job | undefined): Promise<boolean> {
  return (await (await job)?.getState()) === 'completed';
}

async function article(articleId: number) {
  const { rows } = await stack.sql.query<{
    body_html: string | null;
    excerpt: string | null;
    reading_time_minutes: number | null;
    rendered_at: Date | null;
  }>('SELECT body_html, excerpt, reading_time_minutes, rendered_at FROM articles WHERE id = $1', [
    articleId,
  ]);
  return rows[0]!;
}

describe('a duplicate delivery', () => {
  it('when the relay sends the same outbox event twice, then it is one job and one email', async () => {
    const [userId] = (await insertUsers(stack.sql, 1)) as [number];
    const eventId = await recordEvent(stack.sql, { type: 'user.registered', payload: { userId } });
    const jobId = `${eventId}.send-email`;
    await expect
      .poll(() => completed(queues.job('send-email', jobId)), { timeout: 15_000 })
      .toBe(true);
    const firstJob = await queues.job('send-email', jobId);

    // What a relay that died between adding the jobs and committing would leave behind.
    await stack.sql.query('UPDATE outbox_events SET delivered_at = NULL WHERE id = $1', [eventId]);
    await expect.poll(() => delivered(eventId), { timeout: 15_000 }).toBe(true);

    const sendEmails = await queues.completed('send-email');
    expect(sendEmails.filter((job) => job.data.userId === userId).map((job) => job.id)).toEqual([
      jobId,
    ]);
    const again = await queues.job('send-email', jobId);
    expect(again?.attemptsStarted).toBe(1);
    expect(again?.finishedOn).toBe(firstJob?.finishedOn);
    expect(
      await countRows(stack.sql, 'email_deliveries WHERE key = $1', [`welcome-${userId}`]),
    ).toBe(1);
    expect(
      (await readdir(stack.emailDir)).filter((name) => name === `welcome-${userId}.eml`),
    ).toHaveLength(1);
  });

  it('when render-article runs twice for an article, then the stored HTML, excerpt and reading time are the same', async () => {
    const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
    const articleId = await insertArticle(stack.sql, authorId, '## Twice\n\nRendered *twice*.');

    await queues.add('render-article', { articleId }, `render-${articleId}-first`);
    await expect
      .poll(() => completed(queues.job('render-article', `render-${articleId}-first`)))
      .toBe(true);
    const first = await article(articleId);
    expect(first.body_html).toBe('<h2>Twice</h2>\n<p>Rendered <em>twice</em>.</p>\n');

    await queues.add('render-article', { articleId }, `render-${articleId}-second`);
    await expect
      .poll(() => completed(queues.job('render-article', `render-${articleId}-second`)))
      .toBe(true);
    const second = await article(articleId);
    expect(second.rendered_at!.getTime()).toBeGreaterThanOrEqual(first.rendered_at!.getTime());
    expect({ ...second, rendered_at: null }).toEqual({ ...first, rendered_at: null });
  });

  it('when a fan-out runs twice for an article, then each follower still has one notification', async () => {
    const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
    const followerIds = await insertUsers(stack.sql, 45);
    await insertFollows(stack.sql, followerIds, authorId);
    const articleId = await insertArticle(stack.sql, authorId);
    const notified = () => countRows(stack.sql, 'notifications WHERE article_id = $1', [articleId]);
    const payload = { articleId, authorId, afterFollowerId: 0 };

    await queues.add('fan-out-notifications', payload, `fan-out-${articleId}-first`);
    await expect.poll(notified).toBe(45);
    const { rows: before } = await stack.sql.query(
      'SELECT id, user_id FROM notifications WHERE article_id = $1 ORDER BY id',
      [articleId],
    );

    await queues.add('fan-out-notifications', payload, `fan-out-${articleId}-second`);
    // The second run is done when it and its continuations are: nothing left in the queue.
    const fanOut = queues.queues['fan-out-notifications'];
    await expect
      .poll(
        async () =>
          (await completed(queues.job('fan-out-notifications', `fan-out-${articleId}-second`))) &&
          Object.values(await fanOut.getJobCounts('waiting', 'active', 'delayed')).every(
            (count) => count === 0,
          ),
        { timeout: 15_000 },
      )
      .toBe(true);
    const continuations = (await queues.completed('fan-out-notifications')).filter((job) =>
      String(job.id).startsWith(`fan-out-${articleId}-second.after-`),
    );
    expect(continuations).toHaveLength(2);
    const { rows: after } = await stack.sql.query(
      'SELECT id, user_id FROM notifications WHERE article_id = $1 ORDER BY id',
      [articleId],
    );
    expect(after).toEqual(before);
  });

  it('when the welcome email job runs twice, then one email is sent and one delivery recorded', async () => {
    const [userId] = (await insertUsers(stack.sql, 1)) as [number];
    const payload = { template: 'welcome', userId };
    const file = path.join(stack.emailDir, `welcome-${userId}.eml`);

    await queues.add('send-email', payload, `welcome-${userId}-first`);
    await expect
      .poll(() => completed(queues.job('send-email', `welcome-${userId}-first`)))
      .toBe(true);
    const written = await stat(file);

    await queues.add('send-email', payload, `welcome-${userId}-second`);
    await expect
      .poll(() => completed(queues.job('send-email', `welcome-${userId}-second`)))
      .toBe(true);
    // Not written again: the second run found the delivery recorded and sent nothing.
    expect((await stat(file)).mtimeMs).toBe(written.mtimeMs);
    expect(
      await countRows(stack.sql, 'email_deliveries WHERE key = $1', [`welcome-${userId}`]),
    ).toBe(1);
    expect(worker.output()).toContain(`"key":"welcome-${userId}","msg":"email already sent"`);
  });

  it('when the scheduled jobs run twice, then the trending ranking and the pruned tables are what one run left', async () => {
    const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
    const articleIds = [];
    for (let index = 0; index < 4; index++)
      articleIds.push(await insertArticle(stack.sql, authorId));
    const [first, second, third, old] = articleIds as [number, number, number, number];
    await stack.sql.query(
      `UPDATE articles SET created_at = now() - interval '60 days' WHERE id = $1`,
      [old],
    );
    const suffix = String(authorId);
    const { rows: tags } = await stack.sql.query<{ id: number; name: string }>(
      `INSERT INTO tags (name) SELECT unnest($1::text[]) RETURNING id, name`,
      [['alpha', 'beta', 'gamma'].map((name) => `${name}-${suffix}`)],
    );
    const tagId = (name: string) => tags.find((tag) => tag.name === `${name}-${suffix}`)!.id;
    await stack.sql.query(
      `INSERT INTO article_tags (article_id, tag_id) SELECT unnest($1::int[]), unnest($2::int[])`,
      [
        [first, second, third, first, second, first, old],
        ['alpha', 'alpha', 'alpha', 'beta', 'beta', 'gamma', 'gamma'].map(tagId),
      ],
    );
    // Outbox rows delivered long ago are pruned; pending and recent ones stay.
    const { rows: outbox } = await stack.sql.query<{ id: string }>(
      `INSERT INTO outbox_events (id, type, payload, created_at, delivered_at)
       VALUES (gen_random_uuid(), 'user.followed', '{}', now() - interval '10 days', now() - interval '10 days'),
              (gen_random_uuid(), 'user.followed', '{}', now() - interval '10 days', now() - interval '1 hour')
       RETURNING id`,
    );
    const [stale, recent] = outbox as [{ id: string }, { id: string }];

    const ranking = async () =>
      (
        await stack.sql.query(
          'SELECT tag_id, rank, score FROM trending_tags WHERE tag_id = ANY($1) ORDER BY rank',
          [tags.map((tag) => tag.id)],
        )
      ).rows;
    const outboxLeft = async () =>
      (
        await stack.sql.query<{ id: string }>('SELECT id FROM outbox_events WHERE id = ANY($1)', [
          [stale.id, recent.id],
        ])
      ).rows.map((row) => row.id);
    const runBoth = async (run: string) => {
      await queues.add('recompute-trending-tags', {}, `trending-${suffix}-${run}`);
      await queues.add('prune-old-rows', {}, `prune-${suffix}-${run}`);
      await expect
        .poll(
          async () =>
            (await completed(queues.job('recompute-trending-tags', `trending-${suffix}-${run}`))) &&
            (await completed(queues.job('prune-old-rows', `prune-${suffix}-${run}`))),
          { timeout: 15_000 },
        )
        .toBe(true);
    };

    await runBoth('first');
    const afterOne = await ranking();
    // The 60-day-old article is outside the window: gamma counts one article, not two.
    expect(afterOne.map((row) => row.tag_id)).toEqual([
      tagId('alpha'),
      tagId('beta'),
      tagId('gamma'),
    ]);
    expect(await outboxLeft()).toEqual([recent.id]);

    await runBoth('second');
    expect(await ranking()).toEqual(afterOne);
    expect(await outboxLeft()).toEqual([recent.id]);
  });
});
