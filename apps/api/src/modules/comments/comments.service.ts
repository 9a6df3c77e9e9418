// Comments on an article. Only a comment's author may delete it.
import type { PrismaClient } from '@headroom/db/client';
import { ForbiddenError, NotFoundError } from '@headroom/errors/http-errors';
import { recordEvent } from '../../outbox.ts';
import { notFoundIfVanished } from '../../vanished-rows.ts';
import { type ProfileRow, profileColumns, toProfile } from '../profiles/profiles.schemas.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { Comment } from './comments.schemas.ts';

type Db = Pick<PrismaClient, 'article' | 'comment' | '$transaction'>;

/** Comments of one article come back in one response; beyond this a client should paginate. */
const MAX_COMMENTS_PER_RESPONSE = 500;

const commentColumns = {
  id: true,
  body: true,
  createdAt: true,
  updatedAt: true,
  author: { select: profileColumns },
} as const;

interface CommentRow {
  id: number;
  body: string;
  createdAt: Date;
  updatedAt: Date;
  author: ProfileRow;
}

function toComment(row: CommentRow, following: Set<number>): Comment {
  return {
    id: row.id,
    body: row.body,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    author: toProfile(row.author, following.has(row.author.id)),
  };
}

export function createCommentsService(deps: {
  db: Db;
  profiles: Pick<ProfilesService, 'followedAmong'>;
}) {
  const { db, profiles } = deps;

  async function findArticleId(slug: string): Promise<number> {
    const article = await db.article.findUnique({ where: { slug }, select: { id: true } });
    if (!article) throw new NotFoundError('article');
    return article.id;
  }

  return {
    async add(slug: string, authorId: number, body: string): Promise<Comment> {
      const articleId = await findArticleId(slug);
      const row = await notFoundIfVanished('article', () =>
        db.$transaction(async (tx) => {
          const created = await tx.comment.create({
            data: { body, articleId, authorId },
            select: commentColumns,
          });
          await recordEvent(tx, {
            type: 'comment.created',
            payload: { commentId: created.id, articleId, authorId },
          });
          return created;
        }),
      );
      return toComment(row, new Set());
    },

    async list(slug: string, viewerId: number | undefined): Promise<Comment[]> {
      const articleId = await findArticleId(slug);
      const rows = await db.comment.findMany({
        where: { articleId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: MAX_COMMENTS_PER_RESPONSE,
        select: commentColumns,
      });
      const following = await profiles.followedAmong(
        viewerId,
        rows.map((row) => row.author.id),
      );
      return rows.map((row) => toComment(row, following));
    },

    async remove(slug: string, commentId: number, viewerId: number): Promise<void> {
      const articleId = await findArticleId(slug);
      const comment = await db.comment.findFirst({
        where: { id: commentId, articleId },
        select: { authorId: true },
      });
      if (!comment) throw new NotFoundError('comment');
      if (comment.authorId !== viewerId) throw new ForbiddenError('comment');
      await notFoundIfVanished('comment', () => db.comment.delete({ where: { id: commentId } }));
    },
  };
}

export type CommentsService = ReturnType<typeof createCommentsService>;
