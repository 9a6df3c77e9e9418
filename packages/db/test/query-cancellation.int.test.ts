// A request's ended signal refuses its new queries; work one request starts for others (a
// shared cache fill, the relay's wake-up) runs outside it and is not refused.
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CancellablePool,
  outsideAnyRequest,
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
});
