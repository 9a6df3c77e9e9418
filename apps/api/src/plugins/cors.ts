// CORS as the RealWorld notes ask: answer preflight OPTIONS and allow the headers a browser
// client sends. The API authenticates with a header token, never cookies, so credentials stay off.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const corsPlugin = fp(
  async (app: FastifyInstance, options: { allowedOrigins: string }) => {
    const origins = options.allowedOrigins.split(',').map((origin) => origin.trim());
    await app.register(cors, {
      origin: origins.includes('*') ? '*' : origins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-Requested-With'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  },
  { name: 'cors' },
);
