import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TagsService } from './tags.service.ts';

export const tagsRoutes: FastifyPluginAsyncTypebox<{ tags: TagsService }> = async (
  app,
  { tags },
) => {
  app.get(
    '/tags',
    {
      schema: {
        tags: ['Tags'],
        summary: 'Trending tags, then the newest: at most 100',
        response: { 200: Type.Object({ tags: Type.Array(Type.String()) }) },
      },
    },
    async () => ({ tags: await tags.list() }),
  );
};
