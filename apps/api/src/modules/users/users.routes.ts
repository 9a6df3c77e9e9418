import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { viewerId } from '../../plugins/auth.ts';
import { ErrorResponse } from '../../plugins/error-handler.ts';
import { LoginBody, RegisterBody, UpdateUserBody, UserResponse } from './users.schemas.ts';
import type { UsersService } from './users.service.ts';

interface Limit {
  max: number;
  windowSeconds: number;
}

export const usersRoutes: FastifyPluginAsyncTypebox<{
  users: UsersService;
  limits: { login: Limit; register: Limit };
}> = async (app, { users, limits }) => {
  app.post(
    '/users',
    {
      config: {
        // Sign-ups per client address: enough for a family behind one NAT, not for a script.
        rateLimit: { max: limits.register.max, timeWindow: limits.register.windowSeconds * 1000 },
      },
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
      config: {
        // Attempts per address and account: slows password guessing against one account
        // without letting one noisy address lock everybody else out.
        rateLimit: {
          max: limits.login.max,
          timeWindow: limits.login.windowSeconds * 1000,
          keyGenerator: (request: FastifyRequest) => `${request.ip}:${loginEmail(request.body)}`,
        },
      },
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
      config: { auth: 'required' },
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

/** The rate-limit key runs before validation, so the body may be anything at this point. */
function loginEmail(body: unknown): string {
  const email = (body as { user?: { email?: unknown } } | undefined)?.user?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}
