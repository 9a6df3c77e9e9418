import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { viewerId } from '../../plugins/auth.ts';
import { ErrorResponse } from '../../plugins/error-handler.ts';
import {
  ArticleResponse,
  ArticlesResponse,
  CreateArticleBody,
  FeedQuery,
  ListArticlesQuery,
  SlugParams,
  UpdateArticleBody,
} from './articles.schemas.ts';
import type { ArticlesService } from './articles.service.ts';

const tags = ['Articles'];
const secured = { security: [{ Token: [] }] };
const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

export const articlesRoutes: FastifyPluginAsyncTypebox<{ articles: ArticlesService }> = async (
  app,
  { articles },
) => {
  app.get(
    '/articles',
    {
      schema: {
        tags,
        summary: 'Recent articles globally, filtered by tag, author or favorited-by',
        querystring: ListArticlesQuery,
        response: { 200: ArticlesResponse, ...errors },
      },
    },
    async (request) => articles.list(request.query, request.viewer?.userId),
  );

  app.get(
    '/articles/feed',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        ...secured,
        summary: 'Recent articles from users you follow',
        querystring: FeedQuery,
        response: { 200: ArticlesResponse, ...errors },
      },
    },
    async (request) => articles.feed(request.query, viewerId(request)),
  );

  app.get(
    '/articles/:slug',
    {
      schema: {
        tags,
        summary: 'Get an article',
        params: SlugParams,
        response: { 200: ArticleResponse, ...errors },
      },
    },
    async (request) => ({
      article: await articles.get(request.params.slug, request.viewer?.userId),
    }),
  );

  app.post(
    '/articles',
    {
      config: { auth: 'required', limitedAs: 'articleWrites' },
      schema: {
        tags,
        ...secured,
        summary: 'Create an article',
        body: CreateArticleBody,
        response: { 201: ArticleResponse, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send({ article: await articles.create(viewerId(request), request.body.article) }),
  );

  app.put(
    '/articles/:slug',
    {
      config: { auth: 'required', limitedAs: 'articleWrites' },
      schema: {
        tags,
        ...secured,
        summary: 'Update an article (author only)',
        params: SlugParams,
        body: UpdateArticleBody,
        response: { 200: ArticleResponse, ...errors },
      },
    },
    async (request) => ({
      article: await articles.update(request.params.slug, viewerId(request), request.body.article),
    }),
  );

  app.delete(
    '/articles/:slug',
    {
      config: { auth: 'required', limitedAs: 'articleWrites' },
      schema: {
        tags,
        ...secured,
        summary: 'Delete an article (author only)',
        params: SlugParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await articles.remove(request.params.slug, viewerId(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/articles/:slug/favorite',
    {
      config: { auth: 'required', limitedAs: 'favorites' },
      schema: {
        tags: ['Favorites'],
        ...secured,
        summary: 'Favorite an article',
        params: SlugParams,
        response: { 200: ArticleResponse, ...errors },
      },
    },
    async (request) => ({
      article: await articles.favorite(request.params.slug, viewerId(request)),
    }),
  );

  app.delete(
    '/articles/:slug/favorite',
    {
      config: { auth: 'required', limitedAs: 'favorites' },
      schema: {
        tags: ['Favorites'],
        ...secured,
        summary: 'Unfavorite an article',
        params: SlugParams,
        response: { 200: ArticleResponse, ...errors },
      },
    },
    async (request) => ({
      article: await articles.unfavorite(request.params.slug, viewerId(request)),
    }),
  );
};
