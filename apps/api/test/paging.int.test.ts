// Paging deep into lists: keyset cursors beside the spec's offset (the same pages, in the same
// order, with nothing skipped or repeated, even while articles are published meanwhile), and
// an offset past MAX_OFFSET refused with a clear 422 instead of a slow scan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_WALKS, feedWalkFor, type PageWindow } from '../src/modules/articles/article-pages.ts';
import { MAX_OFFSET } from '../src/modules/articles/articles.schemas.ts';
import {
  call,
  createArticle,
  type RegisteredUser,
  registerUser,
} from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

const ARTICLES = 7;

let testApp: TestApp;
let author: RegisteredUser;
let reader: RegisteredUser;
let newestFirst: string[];

beforeAll(async () => {
  testApp = await buildTestApp();
  author = await registerUser(testApp.app, 'author');
  reader = await registerUser(testApp.app, 'reader');
  const slugs = [];
  for (let index = 0; index < ARTICLES; index++) {
    slugs.push((await createArticle(testApp.app, author.token)).slug);
  }
  newestFirst = slugs.reverse();
  await call(testApp.app, 'POST', `/api/profiles/${author.username}/follow`, {
    token: reader.token,
  });
});
afterAll(() => testApp.close());

/** Follows nextCursor from the first page to the last. */
async function walk(path: string, token?: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor === null ? path : `${path}${separator}cursor=${cursor}`;
    const response = await call(testApp.app, 'GET', url, { token });
    expect(response.status, url).toBe(200);
    expect(response.body.articlesCount).toBe(ARTICLES);
    pages.push(response.body.articles.map((article: { slug: string }) => article.slug));
    cursor = response.body.nextCursor;
  } while (cursor !== null && pages.length <= ARTICLES);
  return pages;
}

describe('keyset paging', () => {
  it('when a reader follows nextCursor, then they get every article once, newest first, in pages of the limit', async () => {
    const pages = await walk(`/api/articles?author=${author.username}&limit=3`);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(newestFirst);
  });

  it('when the feed is paged by cursor, then it matches the offset pages', async () => {
    const byCursor = await walk('/api/articles/feed?limit=2', reader.token);
    const byOffset = [];
    for (let offset = 0; offset < ARTICLES; offset += 2) {
      const response = await call(
        testApp.app,
        'GET',
        `/api/articles/feed?limit=2&offset=${offset}`,
        {
          token: reader.token,
        },
      );
      byOffset.push(response.body.articles.map((article: { slug: string }) => article.slug));
    }
    expect(byCursor).toEqual(byOffset);
  });

  it('when articles are published while a reader pages by cursor, then the next page neither repeats nor skips', async () => {
    const writer = await registerUser(testApp.app, 'writer');
    const older = [];
    for (let index = 0; index < 4; index++)
      older.push((await createArticle(testApp.app, writer.token)).slug);
    const first = await call(testApp.app, 'GET', `/api/articles?author=${writer.username}&limit=2`);
    await createArticle(testApp.app, writer.token);
    const next = await call(
      testApp.app,
      'GET',
      `/api/articles?author=${writer.username}&limit=2&cursor=${first.body.nextCursor}`,
    );
    const seen = [...first.body.articles, ...next.body.articles].map(
      (article: { slug: string }) => article.slug,
    );
    expect(seen).toEqual(older.reverse());
  });

  it('when the last page is reached, then nextCursor is null', async () => {
    const response = await call(
      testApp.app,
      'GET',
      `/api/articles?author=${author.username}&limit=${ARTICLES}`,
    );
    expect(response.body.articles).toHaveLength(ARTICLES);
    expect(response.body.nextCursor).toBeNull();
  });

  it.each([
    ['a cursor this API never made', 'cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['a cursor that is not base64url', 'cursor=%2F%2F', 'cursor'],
    ['a cursor and an offset', 'cursor=MTcwMDAwMDAwMDAwMC4x&offset=20', 'offset'],
  ])('when the query has %s, then it answers 422 naming the field', async (_name, query, field) => {
    const response = await call(testApp.app, 'GET', `/api/articles?${query}`);
    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual([field]);
  });
});

describe('deep offsets', () => {
  it('when the offset is at MAX_OFFSET, then it answers (an empty page here)', async () => {
    const response = await call(
      testApp.app,
      'GET',
      `/api/articles?author=${author.username}&offset=${MAX_OFFSET}`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ articles: [], articlesCount: ARTICLES });
  });

  it('when the offset is past MAX_OFFSET, then it answers 422 on offset, for lists and the feed', async () => {
    for (const [url, token] of [
      [`/api/articles?offset=${MAX_OFFSET + 1}`, undefined],
      [`/api/articles/feed?offset=${MAX_OFFSET + 1}`, reader.token],
    ] as const) {
      const response = await call(testApp.app, 'GET', url, { token });
      expect(response.status, url).toBe(422);
      expect(response.body).toEqual({ errors: { offset: [`must be <= ${MAX_OFFSET}`] } });
    }
  });
});

describe("the feed's two walks", () => {
  it("when a reader follows few of the articles' authors, then the feed merges each author's newest; when their authors wrote most of them, then it walks every article by date", () => {
    expect(feedWalkFor({ authors: 3, theirs: 30, total: 1_000_000 })).toBe('per-author');
    expect(feedWalkFor({ authors: 500, theirs: 10_000, total: 20_000 })).toBe('by-date');
    expect(feedWalkFor({ authors: 1, theirs: 20_000, total: 20_000 })).toBe('by-date');
  });

  it('when either walk reads the same feed window, then both give the same rows in the same order', async () => {
    const other = await registerUser(testApp.app, 'other');
    for (let index = 0; index < 3; index++) await createArticle(testApp.app, other.token);
    const ids = await testApp.db.$queryRaw<{ id: number }[]>`
      SELECT id FROM users WHERE username IN (${author.username}, ${other.username})`;
    const authorIds = ids.map((row) => row.id);
    const windows: PageWindow[] = [
      { limit: 4, offset: 0 },
      { limit: 4, offset: 3 },
      { limit: 20, offset: 0 },
    ];
    for (const window of windows) {
      const perAuthor = await FEED_WALKS['per-author'](testApp.db, authorIds, window);
      const byDate = await FEED_WALKS['by-date'](testApp.db, authorIds, window);
      expect(
        perAuthor.map((row) => row.id),
        JSON.stringify(window),
      ).toEqual(byDate.map((row) => row.id));
      expect(perAuthor.length).toBe(Math.min(window.limit + 1, ARTICLES + 3 - window.offset));
    }
  });
});
