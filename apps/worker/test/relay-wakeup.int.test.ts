// The API wakes the relay after its writes (a NOTIFY after the commit, at most one per
// OUTBOX_NOTIFY_INTERVAL_MS): with the worker's poll a minute away, an API write's job still
// runs within moments.
import {
  type ApiProcess,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConduitClient, conduitClient } from './support/conduit-http.ts';
import { apiEnv, createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let stack: TestStack;
let api: ApiProcess;
let worker: WorkerProcess;
let conduit: ConduitClient;

beforeAll(async () => {
  stack = await createTestStack('relay-wakeup');
  [api, worker] = await Promise.all([
    startApiProcess(apiEnv(stack)),
    startWorkerProcess(workerEnv(stack, { OUTBOX_POLL_INTERVAL_MS: '60000' })),
  ]);
  conduit = conduitClient(api.baseUrl);
});
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await stack?.close();
});

describe('waking the relay', () => {
  it('when the API takes a write, then its event is relayed at once, not at the next poll', async () => {
    const author = await conduit.register('author');
    const { slug } = await conduit.publish(author, { body: '# Woken' });
    await expect
      .poll(
        async () =>
          (
            await stack.sql.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM outbox_events
                WHERE type = 'article.published' AND delivered_at IS NOT NULL`,
            )
          ).rows[0]!.n,
        { timeout: 10_000 },
      )
      .toBe(1);
    expect(slug).toBeTruthy();
  });
});
