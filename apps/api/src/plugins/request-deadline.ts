// A request's database work ends with the request: each request runs with an AbortSignal that
// aborts when the client goes away before its answer, or when REQUEST_DEADLINE_MS has passed,
// and the Postgres queries it has in flight are then cancelled on the server
// (packages/db/src/query-cancellation.ts); any it would start afterwards are not started. The
// request then answers 503 through the error handler, if anyone is still listening.
import { withQueryCancellation } from '@headroom/db/query-cancellation';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const requestDeadlinePlugin = fp(
  async (app: FastifyInstance, options: { deadlineMs: number }) => {
    app.addHook('onRequest', (_request, reply, done) => {
      const controller = new AbortController();
      const deadline = setTimeout(() => controller.abort(), options.deadlineMs);
      deadline.unref();
      // 'close' comes when the response is done or the connection is gone, whichever is first;
      // 'finish' before it tells the two apart. Not writableFinished: light-my-request's
      // responses (app.inject) leave it false, so every injected request looked abandoned and
      // its work still running afterwards (a shared cache fill) was cancelled.
      let finished = false;
      reply.raw.once('finish', () => {
        finished = true;
      });
      reply.raw.once('close', () => {
        clearTimeout(deadline);
        if (!finished) controller.abort();
      });
      // The rest of the request (hooks, handler) runs in the signal's context.
      withQueryCancellation(controller.signal, done);
    });
  },
  { name: 'request-deadline' },
);
