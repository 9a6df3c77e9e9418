// Answers given before a route is found, by Fastify's router (a path whose percent-encoding
// does not decode) or by Node's HTTP parser (headers or a URL past the header size limit, a
// malformed request line), in the RealWorld error shape like every other answer. Fastify's
// defaults write their own JSON shape, which no client of this API expects and the OpenAPI
// document does not describe (found by the schema-driven fuzzer, test/schema-fuzz.int.test.ts).
// Passed to the Fastify constructor in app.ts (`frameworkErrors`, `clientErrorHandler`).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Fastify's router errors: FST_ERR_BAD_URL (400) and FST_ERR_MAX_PARAM_LENGTH (414). */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? 400;
  if (status >= 500) {
    reply.status(500).send({ errors: { server: ['internal error'] } });
    return;
  }
  const problem =
    error.code === 'FST_ERR_BAD_URL'
      ? 'is not a valid URL (malformed percent-encoding)'
      : 'is too long';
  reply.status(status).send({ errors: { url: [problem] } });
}

/** Node's HTTP parser errors on a connection, by error code: the status and what to fix. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers or URL too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'not received in time'],
};

/**
 * What Node's HTTP server answers on a connection whose request it could not parse, before
 * Fastify sees a request: the same response Fastify's default writes, with our body.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, problem] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'malformed HTTP request'];
  const body = JSON.stringify({ errors: { request: [problem] } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
