// Comments on an article. Only a comment's author may delete it. An article's comments are read
// a page at a time, oldest first, by keyset (a cursor after the last comment shown); each page is
// cached under the article's comments generation, which every comment write bumps, so no page
// outlives a change (docs/caching.md). Authors come from the cached profiles, and `following`
// from the viewer's own cached set.
import { generationKeys } from '@headroom/cache/keys';
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { PrismaClient } from '@headroom/db/client';
import { withClientErrors } from '@headroom/db/prisma-errors';
import { ForbiddenError, NotFoundError } from '@headroom/errors/http-errors';
import { currentTraceContext, uuidv7 } from '@headroom/jobs/record-event';
import type { Outbox } from '../../outbox.ts';
import type { ArticleCards } from '../articles/article-cards.ts';
import { decodeCursor, encodeCursor } from '../articles/article-pages.ts';
import { toProfile } from '../profiles/profiles.schemas.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { Comment, CommentsQuery } from './comments.schemas.ts';
import { MAX_COMMENTS_PAGE_SIZE } from './comments.schemas.ts';

type Db = Pick<PrismaClient, 'comment' | '$queryRaw'>;

/** A comment as the cache keeps it: its author by id. */
interface StoredComment {
  id: number;
  body: string;
  createdAt: string;
  updatedAt: string;
  authorId: number;
}

export function createCommentsService(deps: {
  db: Db;
  cache: VersionedCache;
  outbox: Outbox;
  cards: Pick<ArticleCards, 'idBySlug'>;
  profiles: Pick<ProfilesService, 'profilesByIds' | 'followedAmong'>;
}) {
  const { db, cache, outbox, cards, profiles } = deps;

  async function findArticleId(slug: string): Promise<number> {
    const id = await cards.idBySlug(slug);
    if (id === null) throw new NotFoundError('article');
    return id;
  }

  async function present(
    stored: StoredComment[],
    viewerId: number | undefined,
  ): Promise<Comment[]> {
    const authorIds = stored.map((comment) => comment.authorId);
    const [authors, following] = await Promise.all([
      profiles.profilesByIds(authorIds),
      profiles.followedAmong(viewerId, authorIds),
    ]);
    return stored.flatMap((comment) => {
      const author = authors.get(comment.authorId);
      if (!author) return [];
      const { authorId: _, ...fields } = comment;
      return [{ ...fields, author: toProfile(author, following.has(author.id)) }];
    });
  }

  return {
    async add(slug: string, authorId: number, body: string): Promise<Comment> {
      // At once, so the cache client sends both lookups in one round trip.
      const [articleId, authors] = await Promise.all([
        findArticleId(slug),
        profiles.profilesByIds([authorId]),
      ]);
      // The author's own profile exists: they are signed in with it.
      const author = authors.get(authorId);
      if (!author) throw new NotFoundError('profile');
      // The comment and its outbox event in one statement: one round trip and one implicit
      // transaction, where Prisma's interactive transaction took four round trips and a third
      // of the write's CPU (docs/capacity.md). The event exists if and only if the comment does.
      const eventId = uuidv7();
      const trace = currentTraceContext();
      const [created] = await withClientErrors(
        { vanished: 'article' },
        () =>
          db.$queryRaw<{ id: number; created_at: Date; updated_at: Date }[]>`
          WITH comment AS (
            INSERT INTO comments (body, article_id, author_id, updated_at)
            VALUES (${body}, ${articleId}, ${authorId}, now())
            RETURNING id, created_at, updated_at
          ), event AS (
            INSERT INTO outbox_events (id, type, payload, trace_context)
            SELECT ${eventId}::uuid, 'comment.created',
                   jsonb_build_object('commentId', id, 'articleId', ${articleId}::int,
                                      'authorId', ${authorId}::int,
                                      'articleAuthorId',
                                      (SELECT author_id FROM articles WHERE id = ${articleId}::int)),
                   ${trace === null ? null : JSON.stringify(trace)}::jsonb
              FROM comment
          )
          SELECT id, created_at, updated_at FROM comment`,
      );
      if (!created) throw new NotFoundError('article');
      await outbox.committed([
        { type: 'comment.created', payload: { commentId: created.id, articleId, authorId } },
      ]);
      return {
        id: created.id,
        body,
        createdAt: created.created_at.toISOString(),
        updatedAt: created.updated_at.toISOString(),
        // Nobody follows themselves.
        author: toProfile(author, false),
      };
    },

    async list(
      slug: string,
      viewerId: number | undefined,
      query: CommentsQuery = {},
    ): Promise<{ comments: Comment[]; nextCursor: string | null }> {
      const limit = query.limit ?? MAX_COMMENTS_PAGE_SIZE;
      // Validated before anything is read: a cursor this API did not make is a 422.
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const articleId = await findArticleId(slug);
      // From the primary: a page is one short walk of (article_id, created_at), and then a
      // comment's invalidation needs no WAL position (the write stays a single statement).
      const page = await cache.query(
        'comments',
        [generationKeys.comments(articleId)],
        `${articleId}:${limit}:${query.cursor ?? ''}`,
        async () => {
          const createdAfter = after && new Date(after.createdAtMs);
          const rows = await db.comment.findMany({
            where: {
              articleId,
              ...(createdAfter && {
                OR: [
                  { createdAt: { gt: createdAfter } },
                  { createdAt: createdAfter, id: { gt: after.id } },
                ],
              }),
            },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            // One more than the page: whether there is a next page, without counting.
            take: limit + 1,
            select: { id: true, body: true, createdAt: true, updatedAt: true, authorId: true },
          });
          const shown = rows.slice(0, limit);
          const last = shown.at(-1);
          return {
            comments: shown.map((row) => ({
              ...row,
              createdAt: row.createdAt.toISOString(),
              updatedAt: row.updatedAt.toISOString(),
            })),
            nextCursor:
              rows.length > limit && last
                ? encodeCursor({ createdAtMs: last.createdAt.getTime(), id: last.id })
                : null,
          };
        },
      );
      return { comments: await present(page.comments, viewerId), nextCursor: page.nextCursor };
    },

    async remove(slug: string, commentId: number, viewerId: number): Promise<void> {
      const articleId = await findArticleId(slug);
      const comment = await db.comment.findFirst({
        where: { id: commentId, articleId },
        select: { authorId: true },
      });
      if (!comment) throw new NotFoundError('comment');
      if (comment.authorId !== viewerId) throw new ForbiddenError('comment');
      await withClientErrors({ vanished: 'comment' }, () =>
        outbox.transaction(async (tx, record) => {
          await tx.comment.delete({ where: { id: commentId } });
          await record({ type: 'comment.deleted', payload: { commentId, articleId } });
        }),
      );
    },
  };
}

export type CommentsService = ReturnType<typeof createCommentsService>;
