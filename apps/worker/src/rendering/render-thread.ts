// The body of one rendering thread (render-pool.ts starts it): renders each body it is sent
// and posts the result back. Nothing else runs here, so the pool can terminate a thread stuck
// on a slow body without losing anything but that render.
import { parentPort } from 'node:worker_threads';
import { renderArticleBody } from './render-body.ts';

export interface RenderRequest {
  id: number;
  body: string;
}

export type RenderReply =
  | { id: number; rendered: ReturnType<typeof renderArticleBody> }
  | { id: number; error: string };

export type RenderReady = { ready: true };

parentPort?.on('message', ({ id, body }: RenderRequest) => {
  try {
    parentPort?.postMessage({ id, rendered: renderArticleBody(body) } satisfies RenderReply);
  } catch (error) {
    parentPort?.postMessage({ id, error: String(error) } satisfies RenderReply);
  }
});

// Loaded and listening: the pool times renders only from here on.
parentPort?.postMessage({ ready: true } satisfies RenderReady);
