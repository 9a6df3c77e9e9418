// Comment emails are limited per article (COMMENT_EMAIL_WINDOW_SECONDS in the jobs contract):
// a burst of comments on one article becomes one send-email job, deduplicated in BullMQ by the
// relay, and the comments after the first cost no job at all (nor, once the relay knows of the
// window, any Redis work); and per commenter
// (COMMENT_EMAILS_PER_COMMENTER_PER_HOUR), whatever the articles. No one can flood an author's
// inbox, or spend the shared email budget, by commenting.

import {
  COMMENT_EMAIL_WINDOW_SECONDS,
  COMMENT_EMAILS_PER_COMMENTER_PER_HOUR,
} from '@headroom/jobs/contract';
import { uuidv7 } from '@headroom/jobs/record-event';
import { startWorkerProcess, type WorkerProcess } from '@headroom/testing/processes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, insertArticle, insertUsers, recordEvent } from './support/seed-sql.ts';
import { openTestQueues, type TestQueues } from './support/test-queues.ts';
import { createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let stack: TestStack;
let queues: TestQueues;
let worker: WorkerProcess;

beforeAll(async () => {
  stack = await createTestStack('comment-emails');
  queues = openTestQueues(stack);
  worker = await startWorkerProcess(workerEnv(stack));
});
afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  await stack?.close();
});

/** A comment on the article, without its event; returns its id. */
async function insertComment(articleId: number, authorId: number): Promise<number> {
  const { rows } = await stack.sql.query<{ id: number }>(
    `INSERT INTO comments (body, article_id, author_id, updated_at)
     VALUES ('hello', $1, $2, now()) RETURNING id`,
    [articleId, authorId],
  );
  return rows[0]!.id;
}

/** A comment on the article, and its event, as the API writes them; returns the event's id. */
async function comment(articleId: number, authorId: number): Promise<string> {
  const commentId = await insertComment(articleId, authorId);
  return recordEvent(stack.sql, {
    type: 'comment.created',
    payload: { commentId, articleId, authorId },
  });
}

/**
 * Deletes BullMQ's own record of the article's email window: from then on, a comment whose
 * event reached Redis would be added as a job, so one that is not was never asked about.
 */
async function forgetWindowInRedis(articleId: number) {
  const redis = new Redis(stack.redisUrl);
  try {
    const deleted = await redis.del(`${stack.queuePrefix}:send-email:de:new-comment:${articleId}`);
    expect(deleted).toBe(1);
  } finally {
    redis.disconnect();
  }
}

/** Until the relay has delivered every one of these events. */
async function delivered(events: string[]) {
  await expect
    .poll(
      () =>
        countRows(stack.sql, 'outbox_events WHERE id = ANY($1::uuid[]) AND delivered_at IS NULL', [
          events,
        ]),
      { timeout: 15_000 },
    )
    .toBe(0);
}

describe('comment emails', () => {
  it('when many comments land on one article, then its author gets one send-email job; another article gets its own', async () => {
    const [author, ...commenters] = (await insertUsers(stack.sql, 4)) as number[];
    const [busy, quiet] = [
      await insertArticle(stack.sql, author as number),
      await insertArticle(stack.sql, author as number),
    ];
    const onBusy = [];
    for (const commenter of [...commenters, ...commenters]) {
      onBusy.push(await comment(busy, commenter));
    }
    const onQuiet = await comment(quiet, commenters[0] as number);
    const events = [...onBusy, onQuiet];

    await delivered(events);
    const jobs = await Promise.all(
      events.map(
        async (eventId) => (await queues.job('send-email', `${eventId}.send-email`)) !== undefined,
      ),
    );
    // The first comment on each article made a job; the other five on the busy one did not.
    expect(jobs).toEqual([true, false, false, false, false, false, true]);
  });

  it('when one commenter comments on more articles than the hourly budget, then only the budget emails', async () => {
    const [author, commenter] = (await insertUsers(stack.sql, 2)) as [number, number];
    const events: string[] = [];
    for (let index = 0; index < COMMENT_EMAILS_PER_COMMENTER_PER_HOUR + 3; index++) {
      const articleId = await insertArticle(stack.sql, author);
      events.push(await comment(articleId, commenter));
    }
    await delivered(events);
    const added = await Promise.all(
      events.map(
        async (eventId) => (await queues.job('send-email', `${eventId}.send-email`)) !== undefined,
      ),
    );
    expect(added.filter(Boolean)).toHaveLength(COMMENT_EMAILS_PER_COMMENTER_PER_HOUR);
    expect(added.slice(0, COMMENT_EMAILS_PER_COMMENTER_PER_HOUR).every(Boolean)).toBe(true);
  });

  it("when the relay has opened an article's window, then the comments inside it cost no Redis work, not even the deduplication check", async () => {
    const [author, commenter] = (await insertUsers(stack.sql, 2)) as [number, number];
    const articleId = await insertArticle(stack.sql, author);
    const first = await comment(articleId, commenter);
    await delivered([first]);
    expect(await queues.job('send-email', `${first}.send-email`)).toBeDefined();

    await forgetWindowInRedis(articleId);
    const second = await comment(articleId, commenter);
    await delivered([second]);
    // The relay learnt the window from the job its own add returned, and never asked.
    expect(await queues.job('send-email', `${second}.send-email`)).toBeUndefined();
  });

  it('when another relay opened the window, then this one learns when it closes from the job that holds it, and asks no more', async () => {
    const [author, commenter] = (await insertUsers(stack.sql, 2)) as [number, number];
    const articleId = await insertArticle(stack.sql, author);
    const firstCommentId = await insertComment(articleId, commenter);
    // As another worker's relay adds the first comment's job: its id starts with a UUIDv7 event id.
    const queue = queues.queues['send-email'] as unknown as {
      add: (name: string, data: unknown, opts: object) => Promise<unknown>;
    };
    await queue.add(
      'send-email',
      { template: 'new-comment', commentId: firstCommentId },
      {
        jobId: `${uuidv7()}.send-email`,
        deduplication: {
          id: `new-comment:${articleId}`,
          ttl: COMMENT_EMAIL_WINDOW_SECONDS * 1000,
        },
      },
    );
    const second = await comment(articleId, commenter);
    await delivered([second]);
    expect(await queues.job('send-email', `${second}.send-email`)).toBeUndefined();

    await forgetWindowInRedis(articleId);
    const third = await comment(articleId, commenter);
    await delivered([third]);
    expect(await queues.job('send-email', `${third}.send-email`)).toBeUndefined();
  });
});
