// Check-then-write races: a row looked up by one request is deleted by another before the
// first one writes. Whichever way the race goes, the answer is a 404, never a 500.
import type { Prisma, PrismaClient } from '@headroom/db/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createArticle, registerUser } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

/** Rounds of each race: one is usually enough to interleave, a few make it certain. */
const RACE_ROUNDS = 5;

/** Slugs whose article is deleted (by its author's token) right after the app's next lookup of it. */
const deleteAfterLookup = new Map<string, string>();

/** Another request deletes the article, as a real concurrent DELETE would (cache included). */
async function deleteConcurrently(slug: string | undefined) {
  const token = slug === undefined ? undefined : deleteAfterLookup.get(slug);
  if (slug === undefined || token === undefined) return;
  deleteAfterLookup.delete(slug);
  const deleted = await call(testApp.app, 'DELETE', `/api/articles/${slug}`, { token });
  if (deleted.status !== 204) throw new Error(`the concurrent delete answered ${deleted.status}`);
}

/**
 * The real client, except that a lookup of a slug in `deleteAfterLookup` (by the article's
 * slug, or the cache's slug-to-id lookup) deletes that article just after it answers: the
 * lookup passed, the row is gone before the write.
 */
function deletingAfterLookup(db: PrismaClient): PrismaClient {
  const articles = new Proxy(db.article, {
    get(target, property) {
      if (property !== 'findUnique') return Reflect.get(target, property);
      return async (args: Prisma.ArticleFindUniqueArgs) => {
        const found = await target.findUnique(args);
        await deleteConcurrently(args.where.slug);
        return found;
      };
    },
  });
  const queryRaw = async (query: TemplateStringsArray, ...values: unknown[]) => {
    const rows = await db.$queryRaw(query, ...values);
    if (query.join('?').includes('FROM articles WHERE slug =')) {
      await deleteConcurrently(values[0] as string);
    }
    return rows;
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'article') return articles;
      if (property === '$queryRaw') return queryRaw;
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let testApp: TestApp;
beforeAll(async () => {
  testApp = await buildTestApp({}, { wrapDb: deletingAfterLookup });
});
afterAll(() => testApp.close());

describe('concurrent deletes', () => {
  it('when a comment is deleted twice at once, then one answers 204 and the other 404', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const comment = await call(testApp.app, 'POST', `/api/articles/${article.slug}/comments`, {
        token: author.token,
        body: { comment: { body: 'first!' } },
      });
      const url = `/api/articles/${article.slug}/comments/${comment.body.comment.id}`;
      const responses = await Promise.all([
        call(testApp.app, 'DELETE', url, { token: author.token }),
        call(testApp.app, 'DELETE', url, { token: author.token }),
      ]);
      expect(responses.map((response) => response.status).sort()).toEqual([204, 404]);
      expect(responses.find((response) => response.status === 404)?.body).toEqual({
        errors: { comment: ['not found'] },
      });
    }
  });

  it('when an article is deleted twice at once, then one answers 204 and the other 404', async () => {
    const author = await registerUser(testApp.app);
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const article = await createArticle(testApp.app, author.token);
      const url = `/api/articles/${article.slug}`;
      const responses = await Promise.all([
        call(testApp.app, 'DELETE', url, { token: author.token }),
        call(testApp.app, 'DELETE', url, { token: author.token }),
      ]);
      expect(responses.map((response) => response.status).sort()).toEqual([204, 404]);
      expect(responses.find((response) => response.status === 404)?.body).toEqual({
        errors: { article: ['not found'] },
      });
    }
  });
});

describe('an article deleted between lookup and write', () => {
  const writes: [
    string,
    (slug: string, token: string) => Promise<{ status: number; body: unknown }>,
  ][] = [
    [
      'favorite',
      (slug, token) => call(testApp.app, 'POST', `/api/articles/${slug}/favorite`, { token }),
    ],
    [
      'unfavorite',
      (slug, token) => call(testApp.app, 'DELETE', `/api/articles/${slug}/favorite`, { token }),
    ],
    [
      'update',
      (slug, token) =>
        call(testApp.app, 'PUT', `/api/articles/${slug}`, {
          token,
          body: { article: { body: 'edited', tagList: ['late'] } },
        }),
    ],
    [
      'comment',
      (slug, token) =>
        call(testApp.app, 'POST', `/api/articles/${slug}/comments`, {
          token,
          body: { comment: { body: 'too late' } },
        }),
    ],
  ];

  it.each(writes)(
    'when it is a %s, then it answers 404 article not found',
    async (_name, write) => {
      const author = await registerUser(testApp.app);
      const article = await createArticle(testApp.app, author.token);
      deleteAfterLookup.set(article.slug, author.token);

      const response = await write(article.slug, author.token);

      expect(deleteAfterLookup.has(article.slug)).toBe(false);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: { article: ['not found'] } });
    },
  );
});
