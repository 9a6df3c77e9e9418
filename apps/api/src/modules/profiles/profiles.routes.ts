import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewerId } from '../../plugins/auth.ts';
import { ErrorResponse } from '../../plugins/error-handler.ts';
import { ProfileResponse, UsernameParams } from './profiles.schemas.ts';
import type { ProfilesService } from './profiles.service.ts';

const errors = { 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

export const profilesRoutes: FastifyPluginAsyncTypebox<{ profiles: ProfilesService }> = async (
  app,
  { profiles },
) => {
  app.get(
    '/profiles/:username',
    {
      schema: {
        tags: ['Profile'],
        summary: 'Get a profile',
        params: UsernameParams,
        response: { 200: ProfileResponse, ...errors },
      },
    },
    async (request) => ({
      profile: await profiles.get(request.params.username, request.viewer?.userId),
    }),
  );

  app.post(
    '/profiles/:username/follow',
    {
      config: { auth: 'required', limitedAs: 'follows' },
      schema: {
        tags: ['Profile'],
        summary: 'Follow a user',
        security: [{ Token: [] }],
        params: UsernameParams,
        response: { 200: ProfileResponse, ...errors },
      },
    },
    async (request) => ({
      profile: await profiles.follow(request.params.username, viewerId(request)),
    }),
  );

  app.delete(
    '/profiles/:username/follow',
    {
      config: { auth: 'required', limitedAs: 'follows' },
      schema: {
        tags: ['Profile'],
        summary: 'Unfollow a user',
        security: [{ Token: [] }],
        params: UsernameParams,
        response: { 200: ProfileResponse, ...errors },
      },
    },
    async (request) => ({
      profile: await profiles.unfollow(request.params.username, viewerId(request)),
    }),
  );
};
