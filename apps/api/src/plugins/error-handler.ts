// Turns every failure into a RealWorld error body: { "errors": { "<field>": ["<message>"] } }.
// Client errors say what to fix; server errors are logged in full and shown as one opaque line,
// so no stack trace, SQL or internal name ever reaches a client.
import { ClientError, statusOf, TooManyRequestsError } from '@headroom/errors/http-errors';
import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';

export const ErrorResponse = Type.Object(
  { errors: Type.Record(Type.String(), Type.Array(Type.String())) },
  { $id: 'ErrorResponse', description: 'RealWorld error body' },
);

const BLANK = "can't be blank";

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ClientError) {
        if (error instanceof TooManyRequestsError) {
          reply.header('retry-after', error.retryAfterSeconds);
        }
        return reply.status(statusOf(error)).send(error.toBody());
      }
      if (error.validation) {
        const input = error.validationContext
          ? (request as unknown as Record<string, unknown>)[error.validationContext]
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
