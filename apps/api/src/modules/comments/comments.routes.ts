import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { viewerId } from '../../plugins/auth.ts';
import { ErrorResponse } from '../../plugins/error-handler.ts';
import {
  ArticleSlugParams,
  CommentParams,
  CommentResponse,
  CommentsQuery,
  CommentsResponse,
  CreateCommentBody,
} from './comments.schemas.ts';
import type { CommentsService } from './comments.service.ts';

const tags = ['Comments'];
const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

export const commentsRoutes: FastifyPluginAsyncTypebox<{ comments: CommentsService }> = async (
  app,
  { comments },
) => {
  app.get(
    '/articles/:slug/comments',
    {
      schema: {
        tags,
        summary: 'Comments of an article, oldest first, a page at a time',
        params: ArticleSlugParams,
        querystring: CommentsQuery,
        response: { 200: CommentsResponse, ...errors },
      },
    },
    async (request) => comments.list(request.params.slug, request.viewer?.userId, request.query),
  );

  app.post(
    '/articles/:slug/comments',
    {
      config: { auth: 'required', limitedAs: 'commentWrites' },
      schema: {
        tags,
        security: [{ Token: [] }],
        summary: 'Comment on an article',
        params: ArticleSlugParams,
        body: CreateCommentBody,
        response: { 201: CommentResponse, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send({
        comment: await comments.add(
          request.params.slug,
          viewerId(request),
          request.body.comment.body,
        ),
      }),
  );

  app.delete(
    '/articles/:slug/comments/:id',
    {
      config: { auth: 'required', limitedAs: 'commentWrites' },
      schema: {
        tags,
        security: [{ Token: [] }],
        summary: 'Delete a comment (its author only)',
        params: CommentParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await comments.remove(request.params.slug, request.params.id, viewerId(request));
      return reply.status(204).send(null);
    },
  );
};
