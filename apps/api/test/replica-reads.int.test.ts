// The API over a primary and a streaming replica (private ones, so this file controls the lag):
// the cache's reloads of pages read the replica when it has the writes they need, and the
// primary when it does not, so a write is never hidden by a lagging replica; a replica that
// dies takes no reads and costs no errors.
import { randomUUID } from 'node:crypto';
import { applyMigrations } from '@headroom/db/migrate';
import {
  type PrivatePostgres,
  type PrivateReplica,
  startPrivatePrimary,
  startPrivateReplica,
} from '@headroom/testing/postgres-replica';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createArticle,
  type RegisteredUser,
  registerUser,
} from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let primary: PrivatePostgres;
let replica: PrivateReplica;
let testApp: TestApp;
let author: RegisteredUser;

beforeAll(async () => {
  primary = await startPrivatePrimary();
  await applyMigrations({ databaseUrl: primary.url });
  replica = await startPrivateReplica(primary.url);
  testApp = await buildTestApp({
    DATABASE_URL: primary.url,
    DATABASE_REPLICA_URL: replica.url,
    REPLICA_MAX_LAG_MS: '1000',
    REPLICA_STATUS_INTERVAL_MS: '100',
    // A private database: a cache namespace of its own.
    CACHE_KEY_PREFIX: `test:${randomUUID()}:cache:`,
  });
  author = await registerUser(testApp.app, 'author');
  await createArticle(testApp.app, author.token);
  await replica.catchUp();
  await testApp.reads.refresh();
}, 120_000);

afterAll(async () => {
  await testApp?.close();
  await replica?.remove();
  await primary?.remove();
});

async function reads(labels: Record<string, string>): Promise<number> {
  const metric = await testApp.metrics.getSingleMetric('db_reads_total')?.get();
  return (metric?.values ?? [])
    .filter((sample) =>
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

const home = () => call(testApp.app, 'GET', '/api/articles?limit=5');

describe('reads with a streaming replica', () => {
  it('when the replica has every write, then a page the cache misses is read from it', async () => {
    const before = await reads({ target: 'replica' });
    const author2 = await registerUser(testApp.app, 'writer');
    await createArticle(testApp.app, author2.token);
    await replica.catchUp();
    await testApp.reads.refresh();
    expect((await home()).status).toBe(200);
    expect(await reads({ target: 'replica' })).toBeGreaterThan(before);
  });

  it('when replay is paused and an author publishes, then the next reader sees the article at once: the reload goes to the primary', async () => {
    await replica.pauseReplay();
    try {
      const behindBefore = await reads({ target: 'primary', reason: 'behind_lsn' });
      const article = await createArticle(testApp.app, author.token);
      const page = await home();
      expect(page.body.articles[0].slug).toBe(article.slug);
      expect(await reads({ target: 'primary', reason: 'behind_lsn' })).toBeGreaterThan(
        behindBefore,
      );
    } finally {
      await replica.resumeReplay();
      await replica.catchUp();
    }
  });

  it('when the replica is killed, then every read still answers, from the primary', async () => {
    await replica.stop('immediate');
    try {
      const article = await createArticle(testApp.app, author.token);
      for (const url of [
        '/api/articles?limit=5',
        `/api/articles?author=${author.username}`,
        `/api/articles/${article.slug}`,
        `/api/articles/${article.slug}/comments`,
        '/api/tags',
      ]) {
        expect((await call(testApp.app, 'GET', url)).status, url).toBe(200);
      }
      expect((await home()).body.articles[0].slug).toBe(article.slug);
    } finally {
      await replica.start();
    }
  });
});
