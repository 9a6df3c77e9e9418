// The OpenAPI document is generated from the same TypeBox schemas that validate requests and
// serialize responses, so it cannot drift from the code. JSON at /api/docs/json, a browsable
// page at /api/docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
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
