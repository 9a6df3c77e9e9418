// Which articles a list shows, and how many there are: the global list, by tag, by author, by
// who favorited them, and a reader's feed. A page is stored in the application cache as ids
// (plus each one's author id) and the count, under the generations its filter depends on
// (docs/caching.md); a write to that family bumps the generation. The articles themselves come
// from their own cached cards (article-cards.ts), so one edit never invalidates a list.
//
// Filling a page is one hand-written statement for the ids and one for the count, on a replica
// that has replayed the writes the generations record, else on the primary. Counts are read
// from counters the database maintains (the counters migration), never counted per request.
// Pages are addressed by offset (the RealWorld spec, capped at MAX_OFFSET) or by a keyset
// cursor, which stays as cheap on the millionth row as on the first.
import {
  ARTICLES_BY_AUTHOR_PREFIX,
  type CacheKey,
  entityKeys,
  generationKeys,
} from '@headroom/cache/keys';
import type { TOO_MANY_MEMBERS, VersionedCache } from '@headroom/cache/versioned-cache';
import { Prisma, type PrismaClient } from '@headroom/db/client';
import type { ReadRouting } from '@headroom/db/read-routing';
import { ValidationError } from '@headroom/errors/http-errors';

type Db = Pick<PrismaClient, '$queryRaw'>;

/** Which articles: all of them, or those matching every filter given. */
export interface ArticleFilter {
  tag?: string | undefined;
  authorId?: number | undefined;
  favoritedBy?: number | undefined;
  /** The feed: articles by any of these authors, the ones `followerId` follows. */
  authorIds?: readonly number[] | undefined;
  followerId?: number | undefined;
}

export interface PageWindow {
  limit: number;
  offset: number;
  /** Articles strictly older than this position (a keyset cursor); offset is then 0. */
  after?: CursorPosition | undefined;
}

interface CursorPosition {
  createdAtMs: number;
  id: number;
}

/** A page as the cache stores it: ids in order with their authors, the count, the next cursor. */
export interface StoredPage {
  items: [articleId: number, authorId: number][];
  count: number;
  nextCursor: string | null;
}

/** Opaque to clients: the position of the last article of a page, base64url("<ms>.<id>"). */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAtMs}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const match = /^(\d{1,15})\.(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const createdAtMs = Number(match?.[1]);
  const id = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(createdAtMs) || !(id > 0 && id <= 2 ** 31 - 1)) {
    throw new ValidationError({ cursor: ['is not a cursor this API returned'] });
  }
  return { createdAtMs, id };
}

/** The generations a filter's pages depend on: the narrowest ones that a write to them bumps. */
function generationsOf(filter: ArticleFilter): CacheKey[] {
  const keys: CacheKey[] = [];
  if (filter.tag !== undefined) keys.push(generationKeys.articlesByTag(filter.tag));
  if (filter.authorId !== undefined) keys.push(generationKeys.articlesByAuthor(filter.authorId));
  if (filter.favoritedBy !== undefined) {
    keys.push(generationKeys.articlesFavoritedBy(filter.favoritedBy));
  }
  if (filter.followerId !== undefined) keys.push(generationKeys.followedAuthors(filter.followerId));
  for (const authorId of filter.authorIds ?? []) {
    keys.push(generationKeys.articlesByAuthor(authorId));
  }
  return keys.length > 0 ? keys : [generationKeys.allArticles];
}

function describe(filter: ArticleFilter, window: PageWindow): string {
  return JSON.stringify([
    filter.tag ?? null,
    filter.authorId ?? null,
    filter.favoritedBy ?? null,
    filter.followerId ?? null,
    window.limit,
    window.offset,
    window.after ? encodeCursor(window.after) : null,
  ]);
}

export function createArticlePages(deps: {
  reads: Pick<ReadRouting, 'read'>;
  cache: VersionedCache;
}) {
  const { reads, cache } = deps;

  async function loadPage(db: Db, filter: ArticleFilter, window: PageWindow): Promise<StoredPage> {
    let tag: { id: number; articles_count: number } | undefined;
    if (filter.tag !== undefined) {
      [tag] = await db.$queryRaw<{ id: number; articles_count: number }[]>`
        SELECT id, articles_count FROM tags WHERE name = ${filter.tag}`;
      // An unknown or unused tag has nothing to list, and the planner, not knowing which tag a
      // subquery names, would walk every article looking for one (seconds at a million).
      if (!tag || tag.articles_count === 0) return EMPTY_PAGE;
    }
    const [rows, count] = isFeedOnly(filter)
      ? await feedRows(db, filter.authorIds ?? [], window)
      : await Promise.all([
          pageRows(db, filter, tag?.id, window),
          isTagOnly(filter) && tag ? tag.articles_count : countOf(db, filter, tag?.id),
        ]);
    const shown = rows.slice(0, window.limit);
    const last = shown.at(-1);
    return {
      items: shown.map((row) => [row.id, row.author_id]),
      count,
      nextCursor:
        rows.length > window.limit && last
          ? encodeCursor({ createdAtMs: last.created_at.getTime(), id: last.id })
          : null,
    };
  }

  return {
    /** The page of `filter` at `window`, from the cache or, on a miss, from the database. */
    page(filter: ArticleFilter, window: PageWindow): Promise<StoredPage> {
      return cache.query(
        filter.authorIds === undefined ? 'article-list' : 'feed',
        generationsOf(filter),
        describe(filter, window),
        (freshness) => reads.read((db) => loadPage(db, filter, window), freshness),
      );
    },

    /** Drops the stored page (it named an article deleted since); the next read reloads it. */
    forget(filter: ArticleFilter, window: PageWindow): Promise<void> {
      return cache.forget(
        filter.authorIds === undefined ? 'article-list' : 'feed',
        generationsOf(filter),
        describe(filter, window),
      );
    },

    /**
     * A reader's feed: the authors they follow (their cached `following` set, loaded with
     * `followedBy` on a miss) and each author's articles' generation, read in one round trip
     * to the cache. Null when they follow too many to cache as a set.
     */
    async feed(
      viewerId: number,
      window: PageWindow,
      followedBy: () => Promise<number[] | typeof TOO_MANY_MEMBERS>,
    ): Promise<StoredPage | null> {
      const result = await cache.queryOverMembers(
        'feed',
        { key: entityKeys.following(viewerId), load: followedBy },
        [generationKeys.followedAuthors(viewerId)],
        { prefix: ARTICLES_BY_AUTHOR_PREFIX, of: generationKeys.articlesByAuthor },
        describe({ followerId: viewerId }, window),
        (freshness, authorIds) =>
          authorIds.length === 0
            ? Promise.resolve(EMPTY_PAGE)
            : reads.read((db) => loadPage(db, { authorIds }, window), freshness),
      );
      return result.members === null ? null : result.value;
    },

    /** Uncached, on the primary: a feed whose authors are too many to cache as a set. */
    pageOfFollowed(viewerId: number, window: PageWindow): Promise<StoredPage> {
      return reads.read(
        async (db) => {
          const authorIds = (
            await db.$queryRaw<{ following_id: number }[]>`
              SELECT following_id FROM follows WHERE follower_id = ${viewerId}`
          ).map((row) => row.following_id);
          return loadPage(db, { authorIds }, window);
        },
        { preferPrimary: true },
      );
    },
  };
}

export type ArticlePages = ReturnType<typeof createArticlePages>;

const EMPTY_PAGE: StoredPage = { items: [], count: 0, nextCursor: null };

export type PageRow = { id: number; author_id: number; created_at: Date };

const isTagOnly = (filter: ArticleFilter) =>
  filter.tag !== undefined &&
  filter.authorId === undefined &&
  filter.favoritedBy === undefined &&
  filter.authorIds === undefined;

const isUnfiltered = (filter: ArticleFilter) =>
  filter.tag === undefined &&
  filter.authorId === undefined &&
  filter.favoritedBy === undefined &&
  filter.authorIds === undefined;

/** `AND (date, id) < (cursor)`, for the columns a query orders by; nothing without a cursor. */
function olderThan(window: PageWindow, date: string, id: string): Prisma.Sql {
  if (window.after === undefined) return Prisma.empty;
  const at = new Date(window.after.createdAtMs);
  return Prisma.sql`AND (${Prisma.raw(date)}, ${Prisma.raw(id)}) < (${at}::timestamptz(3), ${window.after.id})`;
}

/**
 * The page's rows, newest first, one more than the limit (is there a next page?). The two
 * commonest lists walk one index and skip the offset in it before touching an article row:
 * every article by date (articles_created_at_id_idx), one tag's by date
 * (article_tags_tag_id_created_at_article_id_idx). Other filters join as they must (a feed:
 * feedRows).
 */
async function pageRows(
  db: Db,
  filter: ArticleFilter,
  tagId: number | undefined,
  window: PageWindow,
): Promise<PageRow[]> {
  const limit = window.limit + 1;
  if (isUnfiltered(filter)) {
    return db.$queryRaw<PageRow[]>`
      SELECT a.id, a.author_id, a.created_at
        FROM (SELECT id FROM articles WHERE TRUE ${olderThan(window, 'created_at', 'id')}
               ORDER BY created_at DESC, id DESC LIMIT ${limit} OFFSET ${window.offset}) page
        JOIN articles a USING (id)
       ORDER BY a.created_at DESC, a.id DESC`;
  }
  if (isTagOnly(filter)) {
    return db.$queryRaw<PageRow[]>`
      SELECT a.id, a.author_id, page.created_at
        FROM (SELECT article_id, created_at FROM article_tags
               WHERE tag_id = ${tagId} ${olderThan(window, 'created_at', 'article_id')}
               ORDER BY created_at DESC, article_id DESC LIMIT ${limit} OFFSET ${window.offset}) page
        JOIN articles a ON a.id = page.article_id
       ORDER BY page.created_at DESC, page.article_id DESC`;
  }
  return db.$queryRaw<PageRow[]>`
    SELECT a.id, a.author_id, a.created_at ${matching(filter, tagId)}
           ${olderThan(window, 'a.created_at', 'a.id')}
     ORDER BY a.created_at DESC, a.id DESC
     LIMIT ${limit} OFFSET ${window.offset}`;
}

/**
 * How a feed reads its authors' articles: whichever walk touches fewer index entries. Along
 * every article by date, keeping the authors' (about (offset + limit) x total / theirs entries:
 * cheap when they wrote much of what there is), or each author's newest from their own index,
 * merged (about authors x (offset + limit)). Either alone was seconds for someone at a million
 * articles: a reader of a few quiet authors on the date walk (8 ms of Postgres per feed, p99
 * 949 ms at 200 req/s), a reader of half the authors on the merge (6 ms at 20,000 articles).
 */
export function feedWalkFor(sizes: {
  authors: number;
  theirs: number;
  total: number;
}): 'per-author' | 'by-date' {
  return sizes.authors * sizes.theirs < sizes.total ? 'per-author' : 'by-date';
}

/** A feed's rows and count; the counters give both walks' sizes in one statement. */
async function feedRows(
  db: Db,
  authorIds: readonly number[],
  window: PageWindow,
): Promise<[PageRow[], number]> {
  const [sizes] = await db.$queryRaw<{ theirs: bigint | number; total: bigint | number }[]>`
    SELECT COALESCE((SELECT sum(articles_count) FROM users
                      WHERE id = ANY(${[...authorIds]}::int[])), 0) AS theirs,
           COALESCE((SELECT value FROM counters WHERE name = 'articles'), 0) AS total`;
  const theirs = Number(sizes?.theirs ?? 0);
  const total = Number(sizes?.total ?? 0);
  if (theirs === 0) return [[], 0];
  const walk = feedWalkFor({ authors: authorIds.length, theirs, total });
  return [await FEED_WALKS[walk](db, authorIds, window), theirs];
}

/** The two ways to read a feed's page (feedWalkFor chooses); both give the same rows. */
export const FEED_WALKS = {
  'per-author': (db: Db, authorIds: readonly number[], window: PageWindow) =>
    db.$queryRaw<PageRow[]>`
      SELECT page.id, page.author_id, page.created_at
        FROM unnest(${[...authorIds]}::int[]) AS followed(author_id)
        CROSS JOIN LATERAL (
          SELECT a.id, a.author_id, a.created_at FROM articles a
           WHERE a.author_id = followed.author_id ${olderThan(window, 'a.created_at', 'a.id')}
           ORDER BY a.created_at DESC, a.id DESC
           LIMIT ${window.offset + window.limit + 1}) page
       ORDER BY page.created_at DESC, page.id DESC
       LIMIT ${window.limit + 1} OFFSET ${window.offset}`,
  'by-date': (db: Db, authorIds: readonly number[], window: PageWindow) =>
    db.$queryRaw<PageRow[]>`
      SELECT a.id, a.author_id, a.created_at FROM articles a
       WHERE a.author_id = ANY(${[...authorIds]}::int[]) ${olderThan(window, 'a.created_at', 'a.id')}
       ORDER BY a.created_at DESC, a.id DESC
       LIMIT ${window.limit + 1} OFFSET ${window.offset}`,
} satisfies Record<ReturnType<typeof feedWalkFor>, unknown>;

const isFeedOnly = (filter: ArticleFilter) =>
  filter.authorIds !== undefined &&
  filter.tag === undefined &&
  filter.authorId === undefined &&
  filter.favoritedBy === undefined;

/** FROM and WHERE for the articles matching every filter given. */
function matching(filter: ArticleFilter, tagId: number | undefined): Prisma.Sql {
  const { sql, empty, join } = Prisma;
  const joins = join(
    [
      tagId === undefined
        ? empty
        : sql`JOIN article_tags at ON at.article_id = a.id AND at.tag_id = ${tagId}`,
      filter.favoritedBy === undefined
        ? empty
        : sql`JOIN favorites f ON f.article_id = a.id AND f.user_id = ${filter.favoritedBy}`,
    ],
    ' ',
  );
  const conditions = [
    sql`TRUE`,
    ...(filter.authorId === undefined ? [] : [sql`a.author_id = ${filter.authorId}`]),
    ...(filter.authorIds === undefined
      ? []
      : [sql`a.author_id = ANY(${[...filter.authorIds]}::int[])`]),
  ];
  return sql`FROM articles a ${joins} WHERE ${join(conditions, ' AND ')}`;
}

/**
 * How many articles match: a counter the database keeps (one row read) for every single
 * filter and the feed; counted only for a combination of filters, which is rare and narrow.
 * (A tag alone is counted by its tags row, read before the page.)
 */
async function countOf(db: Db, filter: ArticleFilter, tagId: number | undefined): Promise<number> {
  const given = [filter.tag, filter.authorId, filter.favoritedBy, filter.authorIds].filter(
    (value) => value !== undefined,
  ).length;
  let rows: { count: bigint | number | null }[];
  if (given === 0) {
    rows = await db.$queryRaw`SELECT value AS count FROM counters WHERE name = 'articles'`;
  } else if (given > 1) {
    rows = await db.$queryRaw`SELECT count(*) AS count ${matching(filter, tagId)}`;
  } else if (filter.authorId !== undefined) {
    rows = await db.$queryRaw`
      SELECT articles_count AS count FROM users WHERE id = ${filter.authorId}`;
  } else if (filter.favoritedBy !== undefined) {
    rows = await db.$queryRaw`
      SELECT favorites_count AS count FROM users WHERE id = ${filter.favoritedBy}`;
  } else {
    rows = await db.$queryRaw`
      SELECT sum(articles_count) AS count FROM users
       WHERE id = ANY(${[...(filter.authorIds ?? [])]}::int[])`;
  }
  return Number(rows[0]?.count ?? 0);
}
