// JSON body parsing that tolerates what real RealWorld clients send: `Content-Type:
// application/json` with an empty body on POST favorite, POST follow and DELETE. Fastify's own
// parser rejects that with 400; here an empty body is simply "no body". Parsing still refuses
// prototype-poisoning keys, as Fastify's default parser does.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';

export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      try {
        done(
          null,
          secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }),
        );
      } catch {
        const error = Object.assign(new Error('body is not valid JSON'), { statusCode: 400 });
        done(error, undefined);
      }
    });
  },
  { name: 'json-body' },
);
