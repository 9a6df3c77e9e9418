import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TooManyRequestsError } from '@headroom/errors/http-errors';
import { Type } from 'typebox';
import { signedInViewer, viewerId } from '../../plugins/auth.ts';
import { ErrorResponse } from '../../plugins/error-handler.ts';
import {
  LoginBody,
  RegisterBody,
  UpdateUserBody,
  UserResponse,
  VerifyEmailBody,
} from './users.schemas.ts';
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
    async (request) => ({ user: await users.current(signedInViewer(request)) }),
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
        response: {
          200: UserResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          409: ErrorResponse,
          422: ErrorResponse,
        },
      },
    },
    async (request) => ({ user: await users.update(signedInViewer(request), request.body.user) }),
  );

  app.post(
    '/users/verify',
    {
      // Anyone holding the link may follow it, signed in or not (it may open in another browser).
      config: { limitedAs: 'registration' },
      schema: {
        tags: ['User and Authentication'],
        summary: 'Verify an email address with the token from the emailed link',
        body: VerifyEmailBody,
        response: { 204: Type.Null(), 422: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      await users.verifyEmail(request.body.token);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/user/verification',
    {
      config: { auth: 'required', limitedAs: 'userUpdates' },
      schema: {
        tags: ['User and Authentication'],
        summary:
          'Email a new verification link (202), or nothing if the address is verified (204); at most one per EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS',
        security: [{ Token: [] }],
        response: { 202: Type.Null(), 204: Type.Null(), 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const outcome = await users.requestVerification(viewerId(request));
      if (outcome === 'requested') return reply.status(202).send(null);
      if (outcome === 'verified') return reply.status(204).send(null);
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      throw new TooManyRequestsError();
    },
  );
};
