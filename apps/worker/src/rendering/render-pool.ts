// Markdown rendering with a size limit and a time limit, off the event loop. A fixed set of
// worker threads (one per concurrent render-article job) each render one body at a time; a
// render that outlives RENDER_TIMEOUT_MS has its thread terminated and replaced, and the body
// is stored as plain text instead (renderPlainText), as is a body over RENDER_MAX_BODY_CHARS
// or one that makes the renderer throw.
// Why a fallback and not a retry or a dead letter: a slow body is slow on every try, so retries
// would only multiply its cost, and a dead letter would leave the article without HTML.
import { Worker } from 'node:worker_threads';
import { type RenderedArticle, renderPlainText } from './render-body.ts';
import type { RenderReply, RenderRequest } from './render-thread.ts';

export interface RenderLimits {
  /** Longer bodies are not parsed as markdown at all. */
  maxBodyChars: number;
  /** A render still running after this is abandoned (its thread terminated). */
  timeoutMs: number;
  threads: number;
}

export type RenderOutcome =
  | { kind: 'rendered'; rendered: RenderedArticle }
  | { kind: 'too-long' | 'timed-out'; rendered: RenderedArticle }
  | { kind: 'failed'; error: string; rendered: RenderedArticle };

interface Pending {
  request: RenderRequest;
  resolve: (outcome: RenderOutcome) => void;
  reject: (error: Error) => void;
}

const THREAD_ENTRY = new URL('./render-thread.ts', import.meta.url);

export function createRenderPool(limits: RenderLimits) {
  /** Threads that have loaded the renderer and wait for a body. */
  const ready: Worker[] = [];
  const queue: Pending[] = [];
  /** Every live thread: starting, ready or rendering. */
  const live = new Set<Worker>();
  /** Threads loading the renderer, not yet ready. */
  let starting = 0;
  let nextId = 1;
  let closed = false;

  /** A new thread joins `ready` once it has loaded the renderer, so start-up is never timed. */
  function startThread() {
    // Without the process's --import flags: a thread needs no telemetry of its own, and Node
    // runs its TypeScript itself (type stripping; the code uses erasable syntax only).
    const thread = new Worker(THREAD_ENTRY, { execArgv: [] });
    // A thread must not keep the process alive on its own: close() ends them at shutdown.
    thread.unref();
    live.add(thread);
    starting++;
    const onReady = () => {
      thread.off('error', onStartError);
      starting--;
      ready.push(thread);
      pump();
    };
    // A thread that cannot even load the renderer is a broken deployment, not a bad body: the
    // waiting renders fail, and their jobs are retried and dead-lettered as any failure is.
    const onStartError = (error: Error) => {
      thread.off('message', onReady);
      starting--;
      live.delete(thread);
      for (const pending of queue.splice(0)) pending.reject(error);
    };
    thread.once('message', onReady);
    thread.once('error', onStartError);
  }

  function pump() {
    while (!closed && queue.length > 0 && ready.length > 0) {
      dispatch(ready.pop() as Worker, queue.shift() as Pending);
    }
    // Bodies still waiting: start a thread for each, up to the pool's size.
    if (!closed && queue.length > starting && live.size < limits.threads) startThread();
  }

  function dispatch(thread: Worker, { request, resolve }: Pending) {
    const finish = () => {
      clearTimeout(timer);
      thread.off('message', onMessage);
      thread.off('error', onError);
    };
    const onMessage = (reply: RenderReply) => {
      if (reply.id !== request.id) return;
      finish();
      ready.push(thread);
      // A body that makes the renderer throw (a stack overflow on deep nesting) fails the
      // same way on every try: stored as text too.
      if ('error' in reply) {
        resolve({ kind: 'failed', error: reply.error, rendered: renderPlainText(request.body) });
      } else {
        resolve({ kind: 'rendered', rendered: reply.rendered });
      }
      pump();
    };
    const onError = (error: Error) => {
      finish();
      live.delete(thread);
      resolve({ kind: 'failed', error: String(error), rendered: renderPlainText(request.body) });
      pump();
    };
    const timer = setTimeout(() => {
      finish();
      live.delete(thread);
      void thread.terminate();
      resolve({ kind: 'timed-out', rendered: renderPlainText(request.body) });
      pump();
    }, limits.timeoutMs);
    thread.on('message', onMessage);
    thread.on('error', onError);
    thread.postMessage(request);
  }

  return {
    render(body: string): Promise<RenderOutcome> {
      if (closed) return Promise.reject(new Error('the render pool is closed'));
      if (body.length > limits.maxBodyChars) {
        return Promise.resolve({ kind: 'too-long', rendered: renderPlainText(body) });
      }
      return new Promise((resolve, reject) => {
        queue.push({ request: { id: nextId++, body }, resolve, reject });
        pump();
      });
    },

    async close(): Promise<void> {
      closed = true;
      for (const pending of queue.splice(0)) pending.reject(new Error('the render pool is closed'));
      await Promise.all([...live].map((thread) => thread.terminate()));
      live.clear();
      ready.length = 0;
    },
  };
}

export type RenderPool = ReturnType<typeof createRenderPool>;
