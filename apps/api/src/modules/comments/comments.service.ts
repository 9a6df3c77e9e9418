// Comments on an article. Only a comment's author may delete it. An article's comments are
// cached as one list under the article's comments generation (docs/caching.md); their authors
// come from the cached profiles, and `following` from the viewer's own cached set.
import { generationKeys } from '@headroom/cache/keys';
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { PrismaClient } from '@headroom/db/client';
import type { ReadRouting } from '@headroom/db/read-routing';
import { ForbiddenError, NotFoundError } from '@headroom/errors/http-errors';
import type { Outbox } from '../../outbox.ts';
import { notFoundIfVanished } from '../../vanished-rows.ts';
import type { ArticleCards } from '../articles/article-cards.ts';
import { toProfile } from '../profiles/profiles.schemas.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { Comment } from './comments.schemas.ts';

type Db = Pick<PrismaClient, 'comment'>;

/** Comments of one article come back in one response; beyond this a client should paginate. */
const MAX_COMMENTS_PER_RESPONSE = 500;

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
  reads: Pick<ReadRouting, 'read'>;
  cache: VersionedCache;
  outbox: Outbox;
  cards: Pick<ArticleCards, 'idBySlug'>;
  profiles: Pick<ProfilesService, 'profilesByIds' | 'followedAmong'>;
}) {
  const { db, reads, cache, outbox, cards, profiles } = deps;

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
      const articleId = await findArticleId(slug);
      const created = await notFoundIfVanished('article', () =>
        outbox.transaction(async (tx, record) => {
          const comment = await tx.comment.create({
            data: { body, articleId, authorId },
            select: { id: true, body: true, createdAt: true, updatedAt: true },
          });
          await record({
            type: 'comment.created',
            payload: { commentId: comment.id, articleId, authorId },
          });
          return comment;
        }),
      );
      const [comment] = await present(
        [
          {
            ...created,
            createdAt: created.createdAt.toISOString(),
            updatedAt: created.updatedAt.toISOString(),
            authorId,
          },
        ],
        undefined,
      );
      // The author's own profile exists: they are signed in with it.
      if (!comment) throw new NotFoundError('profile');
      return comment;
    },

    async list(slug: string, viewerId: number | undefined): Promise<Comment[]> {
      const articleId = await findArticleId(slug);
      const stored = await cache.query(
        'comments',
        [generationKeys.comments(articleId)],
        String(articleId),
        (freshness) =>
          reads.read(async (client) => {
            const rows = await client.comment.findMany({
              where: { articleId },
              orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
              take: MAX_COMMENTS_PER_RESPONSE,
              select: { id: true, body: true, createdAt: true, updatedAt: true, authorId: true },
            });
            return rows.map((row) => ({
              ...row,
              createdAt: row.createdAt.toISOString(),
              updatedAt: row.updatedAt.toISOString(),
            }));
          }, freshness),
      );
      return present(stored, viewerId);
    },

    async remove(slug: string, commentId: number, viewerId: number): Promise<void> {
      const articleId = await findArticleId(slug);
      const comment = await db.comment.findFirst({
        where: { id: commentId, articleId },
        select: { authorId: true },
      });
      if (!comment) throw new NotFoundError('comment');
      if (comment.authorId !== viewerId) throw new ForbiddenError('comment');
      await notFoundIfVanished('comment', () =>
        outbox.transaction(async (tx, record) => {
          await tx.comment.delete({ where: { id: commentId } });
          await record({ type: 'comment.deleted', payload: { commentId, articleId } });
        }),
      );
    },
  };
}

export type CommentsService = ReturnType<typeof createCommentsService>;
