// The OpenAPI document is generated from the same TypeBox schemas that validate requests and
// serialize responses, so it cannot drift from the code. JSON at /api/docs/json, a browsable
// page at /api/docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorResponse } from './error-handler.ts';

/**
 * Answers a route may give whatever its handler does, so each route's own schema lists only
 * what the handler decides:
 * - 400: a URL whose percent-encoding does not decode (framework-errors.ts);
 * - 401: an Authorization header whose token is not valid, on any route (plugins/auth.ts);
 * - 422: a NUL or an unpaired surrogate in any parameter, known to the route or not
 *   (nul-characters.ts);
 * - 431: headers or a URL past Node's size limit (framework-errors.ts);
 * - 503: a dependency is down or the process sheds load (error-handler.ts);
 * and with a body, from Fastify's parsing before the handler runs: 400 (not JSON, or a
 * prototype key), 413 (past BODY_LIMIT_BYTES), 415 (not application/json).
 * The schema-driven fuzzer (test/schema-fuzz.int.test.ts) holds every answer to the document.
 */
const EVERY_ROUTE_ANSWERS = {
  400: ErrorResponse,
  401: ErrorResponse,
  422: ErrorResponse,
  431: ErrorResponse,
  503: ErrorResponse,
};
const EVERY_BODY_ANSWERS = { 413: ErrorResponse, 415: ErrorResponse };

export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    // Before @fastify/swagger registers: its own onRoute hook reads the schemas into the document.
    app.addHook('onRoute', (route) => {
      const response = route.schema?.response as Record<string, unknown> | undefined;
      if (!response) return;
      const shared = { ...EVERY_ROUTE_ANSWERS, ...(route.schema?.body ? EVERY_BODY_ANSWERS : {}) };
      for (const [status, schema] of Object.entries(shared)) response[status] ??= schema;
    });
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Headroom Conduit API',
          description: 'The RealWorld Conduit API, as implemented by Headroom.',
          version: '1.0.0',
        },
        servers: [{ url: '/' }],
        components: {
          securitySchemes: {
            Token: {
              type: 'apiKey',
              in: 'header',
              name: 'Authorization',
              description: '`Token <jwt>`, as returned by registration or login',
            },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/api/docs' });
  },
  { name: 'openapi' },
);
