// JSON body parsing that tolerates what real RealWorld clients send: `Content-Type:
// application/json` with an empty body on POST favorite, POST follow and DELETE. Fastify's own
// parser rejects that with 400; here an empty body is simply "no body". Anything else goes to
// Fastify's parser, which also refuses prototype-poisoning keys (`__proto__`, `constructor`).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser<string>(
      'application/json',
      { parseAs: 'string' },
      (request, body, done) => {
        if (body.trim() === '') return done(null, undefined);
        parseJson(request, body, done);
      },
    );
  },
  { name: 'json-body' },
);
