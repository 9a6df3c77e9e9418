// render-article: the markdown body becomes sanitized HTML, an excerpt and a reading time,
// stored on the article. Safe to run twice: it renders the current body, and only writes if
// the article has not changed since it was read (a newer render job is on its way otherwise)
// and this version is not rendered yet (a duplicate job writes nothing).
// The write records `article.rendered`, whose cache invalidation shows the reading time.
// Rendering runs in the render pool, within a size and a time limit: a body over either is
// stored as escaped plain text, and the job succeeds (rendering/render-pool.ts says why).
import type { PrismaClient } from '@headroom/db/client';
import { recordEvent } from '@headroom/jobs/record-event';
import { defineJob } from '../job-registry.ts';
import type { RenderPool } from '../rendering/render-pool.ts';

export { type RenderedArticle, renderArticleBody } from '../rendering/render-body.ts';

export function createRenderArticleJob({
  db,
  renderer,
}: {
  db: Pick<PrismaClient, 'article' | '$transaction'>;
  renderer: Pick<RenderPool, 'render'>;
}) {
  return defineJob('render-article', async ({ payload, log }) => {
    const article = await db.article.findUnique({
      where: { id: payload.articleId },
      select: { body: true, updatedAt: true },
    });
    if (!article) {
      log.info({ articleId: payload.articleId }, 'article deleted before rendering; nothing to do');
      return;
    }
    const outcome = await renderer.render(article.body);
    if (outcome.kind !== 'rendered') {
      log.warn(
        {
          articleId: payload.articleId,
          bodyChars: article.body.length,
          reason: outcome.kind,
          ...(outcome.kind === 'failed' && { error: outcome.error }),
        },
        'article body stored as plain text: over the rendering limits',
      );
    }
    const { rendered } = outcome;
    const written = await db.$transaction(async (tx) => {
      // Raw SQL so `updated_at` (Prisma's @updatedAt) is left alone: rendering is not an edit.
      const count = await tx.$executeRaw`
        UPDATE articles
           SET body_html = ${rendered.bodyHtml}, excerpt = ${rendered.excerpt},
               reading_time_minutes = ${rendered.readingTimeMinutes}, rendered_at = now()
         WHERE id = ${payload.articleId} AND updated_at = ${article.updatedAt}
           AND (rendered_at IS NULL OR rendered_at < updated_at)`;
      if (count > 0) {
        await recordEvent(tx, {
          type: 'article.rendered',
          payload: { articleId: payload.articleId },
        });
      }
      return count;
    });
    if (written === 0)
      log.info(
        { articleId: payload.articleId },
        'article changed while rendering (the next render job will write) or this version is rendered already',
      );
  });
}
