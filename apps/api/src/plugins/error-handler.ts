// Turns every failure into a RealWorld error body: { "errors": { "<field>": ["<message>"] } }.
// Client errors say what to fix; server errors are logged in full and shown as one opaque line,
// so no stack trace, SQL or internal name ever reaches a client. A dependency that cannot serve
// now (or an overloaded process) is a 503 with Retry-After, never a 500 (docs/reliability.md).
import { clientErrorOf, isDatabaseUnavailableError } from '@headroom/db/prisma-errors';
import { ClientError, statusOf } from '@headroom/errors/http-errors';
import type {
  FastifyError,
  FastifyInstance,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { isRedisUnavailableError } from '../redis.ts';
import { OverloadedError } from './load-shedding.ts';

export const ErrorResponse = Type.Object(
  { errors: Type.Record(Type.String(), Type.Array(Type.String())) },
  { $id: 'ErrorResponse', description: 'RealWorld error body' },
);

const BLANK = "can't be blank";

/**
 * Failures that say a dependency cannot serve now, or that this process is overloaded, and the
 * field the 503 names. Nothing in the request is wrong and the same request may succeed in a
 * moment, so the client is told when to retry; the load balancer retries idempotent ones on
 * another replica (infra/nginx/lb.conf.template).
 */
const unavailableCauses: { recognise: (error: unknown) => boolean; field: string }[] = [
  { recognise: (error) => error instanceof OverloadedError, field: 'server' },
  { recognise: isDatabaseUnavailableError, field: 'database' },
  { recognise: isRedisUnavailableError, field: 'redis' },
];

/**
 * The input a validation context checked, as the client sent it, to tell a blank value from a
 * wrong one. The query string is read again from the URL: TypeBox's conversion rewrites
 * `request.query` in place (`?limit=` arrives there as 0).
 */
const inputOfContext: Record<string, (request: FastifyRequest) => unknown> = {
  body: (request) => request.body,
  params: (request) => request.params,
  querystring: (request) => {
    const queryStart = request.url.indexOf('?');
    return queryStart === -1
      ? {}
      : Object.fromEntries(new URLSearchParams(request.url.slice(queryStart + 1)));
  },
  headers: (request) => request.headers,
};

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, options: { retryAfterSeconds: number }) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ClientError) {
        return reply.status(statusOf(error)).send(error.toBody());
      }
      const unavailable = unavailableCauses.find((entry) => entry.recognise(error));
      if (unavailable) {
        // Logged without the stack: under an outage or a spike these come by the thousand.
        request.log.warn({ err: { message: error.message, code: error.code } }, 'answered 503');
        return reply
          .status(503)
          .header('retry-after', String(options.retryAfterSeconds))
          .send({ errors: { [unavailable.field]: ['temporarily unavailable, retry later'] } });
      }
      // Database errors the request's own data caused (@headroom/db/prisma-errors' table). Schemas
      // and the NUL check refuse such data first; this backstop keeps what they miss a 4xx.
      const clientError = clientErrorOf(error);
      if (clientError) {
        // A 4xx for the client, but also a sign that a schema lets through what it should not.
        request.log.warn({ err: error }, 'the database refused a value from the request');
        return reply.status(statusOf(clientError)).send(clientError.toBody());
      }
      if (error.validation) {
        const input = error.validationContext
          ? inputOfContext[error.validationContext]?.(request)
          : undefined;
        return reply.status(422).send({ errors: validationProblems(error.validation, input) });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        // Framework-level client errors (malformed JSON, body too large, wrong media type):
        // their messages are written for clients and carry no internals.
        return reply.status(status).send({ errors: { request: [error.message] } });
      }
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ errors: { server: ['internal error'] } });
    });

    app.setNotFoundHandler((request, reply) => {
      reply.status(404).send({ errors: { route: [`${request.method} ${request.url} not found`] } });
    });
  },
  { name: 'error-handler' },
);

/**
 * Names each problem after the field it concerns (`/user/email` -> `email`). An empty, blank
 * or null value is reported as "can't be blank", whatever rule it broke first.
 */
function validationProblems(
  issues: FastifySchemaValidationError[],
  input: unknown,
): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  const add = (field: string, message: string) => {
    const messages = problems[field] ?? [];
    if (!messages.includes(message)) messages.push(message);
    problems[field] = messages;
  };
  for (const issue of issues) {
    const params = issue.params as Record<string, unknown>;
    const missing = params.requiredProperties ?? params.missingProperty;
    if (issue.keyword === 'required' && missing !== undefined) {
      for (const field of [missing].flat() as string[]) add(field, BLANK);
      continue;
    }
    // `/article/tagList/2` concerns `tagList`: array indexes are not field names.
    const field =
      issue.instancePath
        .split('/')
        .filter((segment) => segment !== '' && !/^\d+$/.test(segment))
        .at(-1) ?? 'body';
    add(
      field,
      isBlank(valueAt(input, issue.instancePath)) ? BLANK : (issue.message ?? 'is invalid'),
    );
  }
  // "can't be blank" says all there is to say about an empty value.
  for (const [field, messages] of Object.entries(problems)) {
    if (messages.includes(BLANK)) problems[field] = [BLANK];
  }
  return problems;
}

function valueAt(input: unknown, instancePath: string): unknown {
  return instancePath
    .split('/')
    .filter(Boolean)
    .reduce<unknown>(
      (value, key) =>
        typeof value === 'object' && value !== null
          ? (value as Record<string, unknown>)[key]
          : undefined,
      input,
    );
}

function isBlank(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}
