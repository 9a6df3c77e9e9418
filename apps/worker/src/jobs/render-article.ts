// render-article: the markdown body becomes sanitized HTML, an excerpt and a reading time,
// stored on the article. Safe to run twice: it renders the current body, and only writes if
// the article has not changed since it was read (a newer render job is on its way otherwise)
// and this version is not rendered yet (a duplicate job writes nothing).
// The write records `article.rendered`, whose cache invalidation shows the reading time.
import type { PrismaClient } from '@headroom/db/client';
import { recordEvent } from '@headroom/jobs/record-event';
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { defineJob } from '../job-registry.ts';

const WORDS_PER_MINUTE = 230;
const EXCERPT_LENGTH = 200;

const markdown = new Marked({ gfm: true, breaks: false });

/** What an article body may contain once rendered: formatting, links, images; no scripts, styles or event handlers. */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'h1', 'h2', 'del'],
  allowedAttributes: {
    // `rel` is listed so the one transformTags sets survives: attributes are filtered after
    // the transform, and the author's own rel is overwritten by it.
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    code: ['class'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener' }) },
};

export interface RenderedArticle {
  bodyHtml: string;
  excerpt: string;
  readingTimeMinutes: number;
}

export function renderArticleBody(body: string): RenderedArticle {
  const bodyHtml = sanitizeHtml(markdown.parse(body, { async: false }), SANITIZE_OPTIONS);
  const text = sanitizeHtml(bodyHtml, { allowedTags: [], allowedAttributes: {} })
    .replace(/\s+/g, ' ')
    .trim();
  const words = text === '' ? 0 : text.split(' ').length;
  const excerpt =
    text.length <= EXCERPT_LENGTH
      ? text
      : `${text.slice(0, EXCERPT_LENGTH).replace(/\s+\S*$/, '')}…`;
  return {
    bodyHtml,
    excerpt,
    readingTimeMinutes: Math.max(1, Math.round(words / WORDS_PER_MINUTE)),
  };
}

export function createRenderArticleJob({
  db,
}: {
  db: Pick<PrismaClient, 'article' | '$transaction'>;
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
    const rendered = renderArticleBody(article.body);
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
