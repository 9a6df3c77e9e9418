import { type Static, Type } from 'typebox';
import { RowId } from '../../schemas/row-id.ts';
import { Profile } from '../profiles/profiles.schemas.ts';

export const Comment = Type.Object({
  id: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  body: Type.String(),
  author: Profile,
});
export type Comment = Static<typeof Comment>;

export const CommentResponse = Type.Object({ comment: Comment });
export const CommentsResponse = Type.Object({
  comments: Type.Array(Comment),
  /** Pass as `cursor` for the next page (keyset paging, oldest first); null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/**
 * A page of comments is capped so one request cannot ask for an article's whole thread. The
 * default is the cap: RealWorld clients ask without paging and show what they get, and 100 is
 * more than a screen of conversation.
 */
export const MAX_COMMENTS_PAGE_SIZE = 100;

export const CommentsQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_COMMENTS_PAGE_SIZE, default: MAX_COMMENTS_PAGE_SIZE }),
  ),
  /** The `nextCursor` of the previous page. */
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
});
export type CommentsQuery = Static<typeof CommentsQuery>;

export const CreateCommentBody = Type.Object({
  comment: Type.Object({ body: Type.String({ minLength: 1, maxLength: 10_000 }) }),
});

export const ArticleSlugParams = Type.Object({
  slug: Type.String({ minLength: 1, maxLength: 255 }),
});
export const CommentParams = Type.Object({
  slug: Type.String({ minLength: 1, maxLength: 255 }),
  id: RowId,
});
