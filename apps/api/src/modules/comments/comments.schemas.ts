import { type Static, Type } from 'typebox';
import { Profile } from '../profiles/profiles.schemas.ts';
import { RowId } from '../row-id.ts';

export const Comment = Type.Object({
  id: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  body: Type.String(),
  author: Profile,
});
export type Comment = Static<typeof Comment>;

export const CommentResponse = Type.Object({ comment: Comment });
export const CommentsResponse = Type.Object({ comments: Type.Array(Comment) });

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
