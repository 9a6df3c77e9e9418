import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewerId } from '../../plugins/auth.ts';
import { ErrorResponse } from '../../plugins/error-handler.ts';
import { LoginBody, RegisterBody, UpdateUserBody, UserResponse } from './users.schemas.ts';
import type { UsersService } from './users.service.ts';

export const usersRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (
  app,
  { users },
) => {
  app.post(
    '/users',
    {
      config: { limitedAs: 'registration' },
      schema: {
        tags: ['User and Authentication'],
        summary: 'Register a new user',
        body: RegisterBody,
        response: { 201: UserResponse, 409: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) =>
      reply.status(201).send({ user: await users.register(request.body.user) }),
  );

  app.post(
    '/users/login',
    {
      config: { limitedAs: 'login' },
      schema: {
        tags: ['User and Authentication'],
        summary: 'Existing user login',
        body: LoginBody,
        response: { 200: UserResponse, 401: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request) => ({ user: await users.login(request.body.user) }),
  );

  app.get(
    '/user',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['User and Authentication'],
        summary: 'Get current user',
        security: [{ Token: [] }],
        response: { 200: UserResponse, 401: ErrorResponse },
      },
    },
    async (request) => ({ user: await users.current(viewerId(request)) }),
  );

  app.put(
    '/user',
    {
      config: { auth: 'required', limitedAs: 'userUpdates' },
      schema: {
        tags: ['User and Authentication'],
        summary: 'Update current user',
        security: [{ Token: [] }],
        body: UpdateUserBody,
        response: { 200: UserResponse, 401: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse },
      },
    },
    async (request) => ({ user: await users.update(viewerId(request), request.body.user) }),
  );
};
