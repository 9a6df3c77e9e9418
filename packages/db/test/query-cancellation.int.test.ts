// A request's ended signal refuses its new queries; work one request starts for others (a
// shared cache fill, the relay's wake-up) runs outside it and is not refused. A query whose
// server cannot act on the cancel (out of reach) fails anyway once the grace is over.
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CancellablePool,
  onItsOwnDeadline,
  outsideAnyRequest,
  QUERY_CANCEL_GRACE_MS,
  RequestEndedError,
  withQueryCancellation,
} from '../src/query-cancellation.ts';

let database: ScratchDatabase;
let pool: CancellablePool;

beforeAll(async () => {
  database = await createScratchDatabase(inject('adminDatabaseUrl'), 'query_cancellation');
  pool = new CancellablePool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

function endedRequest(): AbortSignal {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
}

describe('query cancellation', () => {
  it('when the request has ended, then a query it starts is refused', async () => {
    await expect(
      withQueryCancellation(endedRequest(), () => pool.query({ text: 'SELECT 1 AS one' })),
    ).rejects.toBeInstanceOf(RequestEndedError);
  });

  it('when an ended request starts work outside any request, then its queries run', async () => {
    const result = await withQueryCancellation(endedRequest(), () =>
      outsideAnyRequest(() => pool.query({ text: 'SELECT 1 AS one' })),
    );
    expect(result.rows).toEqual([{ one: 1 }]);
  });

  it('when the server cannot act on the cancel (its backend frozen, as behind a partition), then the query fails once the grace is over, not when the server is back', async () => {
    const controller = new AbortController();
    const client = await withQueryCancellation(controller.signal, () => pool.connect());
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backend = rows[0]?.pid as number;
    const running = client.query('SELECT pg_sleep(30)');
    running.catch(() => undefined);
    // Stopped, the backend answers nothing: neither the query nor the cancel request's SIGINT.
    process.kill(backend, 'SIGSTOP');
    try {
      const abortedAt = Date.now();
      controller.abort();
      await expect(running).rejects.toThrow(/Connection terminated/);
      expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(QUERY_CANCEL_GRACE_MS - 50);
      expect(Date.now() - abortedAt).toBeLessThan(QUERY_CANCEL_GRACE_MS + 1_000);
    } finally {
      process.kill(backend, 'SIGCONT');
      client.release(true);
    }
  });

  it('when shared work runs on its own deadline, then its queries are cancelled at that deadline', async () => {
    const startedAt = Date.now();
    await expect(
      onItsOwnDeadline(300, () => pool.query({ text: 'SELECT pg_sleep(5)' })),
    ).rejects.toThrow(/canceling statement/);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});
