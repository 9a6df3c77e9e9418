// Stalled-job recovery, end to end: a worker is killed with SIGKILL (no chance to clean up) in
// the middle of a 1,000-follower fan-out, a new worker takes over the job its lock no longer
// protects, and every follower ends with exactly one notification: none lost, none doubled.
import { startWorkerProcess } from '@headroom/testing/processes';
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

const FOLLOWERS = 1_000;

let stack: TestStack;
let queues: TestQueues;

beforeAll(async () => {
  stack = await createTestStack('fanoutcrash');
  queues = openTestQueues(stack);
});
afterAll(async () => {
  await queues?.close();
  await stack?.close();
});

describe('a worker killed during a fan-out', () => {
  it('when a worker is killed -9 mid-way through a 1,000-follower fan-out and another starts, then every follower has exactly one notification', async () => {
    const env = workerEnv(stack, {
      // 50 small batches with a pause between them: the fan-out takes seconds, so the kill
      // lands in the middle of it.
      FAN_OUT_BATCH_SIZE: '20',
      FAN_OUT_BATCH_PAUSE_MS: '30',
      // A killed worker's job is handed on once its lock expires and a stalled check runs.
      JOB_LOCK_DURATION_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
    });
    const [authorId] = (await insertUsers(stack.sql, 1)) as [number];
    const followerIds = await insertUsers(stack.sql, FOLLOWERS);
    await insertFollows(stack.sql, followerIds, authorId);
    const articleId = await insertArticle(stack.sql, authorId);
    const notified = () => countRows(stack.sql, 'notifications WHERE article_id = $1', [articleId]);

    const first = await startWorkerProcess(env);
    await recordEvent(stack.sql, {
      type: 'article.published',
      payload: { articleId, authorId },
    });
    await expect.poll(notified, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(100);
    await first.stop('SIGKILL');
    const atKill = await notified();
    expect(atKill).toBeLessThan(FOLLOWERS);
    // The job the killed worker was running still looks active: nobody released it.
    const orphaned = await queues.queues['fan-out-notifications'].getActive();
    expect(orphaned).toHaveLength(1);
    const orphan = orphaned[0]!;

    const second = await startWorkerProcess(env);
    try {
      await expect.poll(notified, { timeout: 30_000 }).toBe(FOLLOWERS);
      // The orphaned job itself was taken over (moved back to wait as stalled, run again from
      // its saved cursor), not merely overtaken by a continuation.
      const recovered = await queues.job('fan-out-notifications', orphan.id!);
      expect(await recovered?.getState()).toBe('completed');
      expect(recovered?.attemptsStarted).toBeGreaterThanOrEqual(2);
    } finally {
      await second.stop();
    }

    // Each follower exactly once: nobody missing, nobody twice (the unique index would refuse
    // a second row, so this guards against a follower being skipped by the resumed cursor).
    const { rows } = await stack.sql.query<{ follower_id: number; notifications: number }>(
      `SELECT f.follower_id, count(n.id)::int AS notifications
         FROM follows f
         LEFT JOIN notifications n ON n.user_id = f.follower_id AND n.article_id = $1
        WHERE f.following_id = $2
        GROUP BY f.follower_id
       HAVING count(n.id) <> 1`,
      [articleId, authorId],
    );
    expect(rows).toEqual([]);
    expect(await queues.deadLetters.list()).toEqual([]);
  });
});
