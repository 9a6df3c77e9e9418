// fan-out-notifications: one notification per follower of an article's author, written a
// batch at a time, each batch its own short statement. The job pages through followers with a
// keyset cursor saved in the job after every batch, and after FAN_OUT_BATCHES_PER_JOB batches
// hands the rest to a continuation job, so an author with 50,000 followers neither holds a long
// transaction nor keeps one worker slot busy while other articles wait.
// Exactly once per follower, even across a killed worker: the unique index on
// (user_id, article_id, kind) turns a re-inserted batch into a no-op.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '@headroom/db/client';
import type { Queues } from '@headroom/jobs/queues';
import { defineJob } from '../job-registry.ts';

/** The notification kind this job writes. */
const ARTICLE_PUBLISHED = 'article.published';

export interface FanOutSettings {
  batchSize: number;
  batchesPerJob: number;
  batchPauseMs: number;
}

export function createFanOutNotificationsJob(deps: {
  db: Pick<PrismaClient, '$queryRaw'>;
  queues: Pick<Queues, 'fan-out-notifications'>;
  settings: FanOutSettings;
}) {
  const { db, queues, settings } = deps;

  /** Notifies the next batch of followers after `afterFollowerId`; returns the last one notified, or null when none were left. */
  async function notifyBatch(articleId: number, authorId: number, afterFollowerId: number) {
    const [result] = await db.$queryRaw<{ last: number | null; found: bigint }[]>`
      WITH batch AS (
        SELECT follower_id FROM follows
         WHERE following_id = ${authorId} AND follower_id > ${afterFollowerId}
         ORDER BY follower_id
         LIMIT ${settings.batchSize}
      ), inserted AS (
        INSERT INTO notifications (user_id, article_id, actor_id, kind)
        SELECT follower_id, ${articleId}, ${authorId}, ${ARTICLE_PUBLISHED} FROM batch
         WHERE EXISTS (SELECT 1 FROM articles WHERE id = ${articleId})
        ON CONFLICT (user_id, article_id, kind) DO NOTHING
      )
      SELECT max(follower_id) AS last, count(*) AS found FROM batch`;
    return result && result.found > 0n ? result.last : null;
  }

  return defineJob('fan-out-notifications', async ({ payload, job, log }) => {
    let cursor = payload.afterFollowerId;
    for (let batch = 0; batch < settings.batchesPerJob; batch++) {
      const last = await notifyBatch(payload.articleId, payload.authorId, cursor);
      if (last === null) return;
      cursor = last;
      // Saved in Redis: if this worker dies, the retry starts after the last finished batch.
      await job.updateData({ ...payload, afterFollowerId: cursor });
      if (settings.batchPauseMs > 0) await sleep(settings.batchPauseMs);
    }
    // More followers may remain: a new job (its id derived from this one and the cursor, so a
    // re-run of this job cannot enqueue it twice) continues after this one's cursor.
    await queues['fan-out-notifications'].add(
      'fan-out-notifications',
      { ...payload, afterFollowerId: cursor },
      { jobId: `${String(job.id).split('.after-')[0]}.after-${cursor}` },
    );
    log.debug({ articleId: payload.articleId, cursor }, 'fan-out continues in a new job');
  });
}
