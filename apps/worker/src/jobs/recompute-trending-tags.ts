// recompute-trending-tags (scheduled): ranks tags by how many recent articles use them, with
// favorites as the tie-breaker, and replaces the trending_tags table in one transaction, so
// GET /api/tags always sees a whole ranking, never half of one. Running it twice in a row
// gives the same table. It records `tags.ranked`, whose cache invalidation shows the new order.
import type { PrismaClient } from '@headroom/db/client';
import { recordEvent } from '@headroom/jobs/record-event';
import { defineJob } from '../job-registry.ts';

export function createRecomputeTrendingTagsJob(deps: {
  db: Pick<PrismaClient, '$transaction'>;
  settings: { windowDays: number; limit: number };
}) {
  const { db, settings } = deps;
  return defineJob('recompute-trending-tags', async ({ log }) => {
    const ranked = await db.$transaction(async (tx) => {
      await tx.$executeRaw`DELETE FROM trending_tags`;
      await recordEvent(tx, { type: 'tags.ranked', payload: {} });
      return tx.$executeRaw`
        INSERT INTO trending_tags (tag_id, rank, score, computed_at)
        SELECT tag_id, row_number() OVER (ORDER BY score DESC, tag_id), score, now()
          FROM (
            SELECT at.tag_id,
                   count(DISTINCT a.id) + 0.01 * count(f.article_id) AS score
              FROM articles a
              JOIN article_tags at ON at.article_id = a.id
              LEFT JOIN favorites f ON f.article_id = a.id
             WHERE a.created_at > now() - make_interval(days => ${settings.windowDays})
             GROUP BY at.tag_id
             ORDER BY score DESC, at.tag_id
             LIMIT ${settings.limit}
          ) scored`;
    });
    log.info({ ranked }, 'trending tags recomputed');
  });
}
