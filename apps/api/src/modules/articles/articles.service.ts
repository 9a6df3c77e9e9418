// Articles: the read paths every visitor hits (list, feed, one article) and the author's
// writes. A page is read in one round of parallel queries (rows + total count), then one
// query each for what depends on the viewer (favorited, following), never one per article.
import type { Prisma, PrismaClient } from '@headroom/db/client';
import { isUniqueViolation } from '@headroom/db/prisma-errors';
import { slugify, withRandomSuffix } from '@headroom/db/slug';
import { ForbiddenError, NotFoundError } from '@headroom/errors/http-errors';
import { recordEvent } from '../../outbox.ts';
import { notFoundIfVanished } from '../../vanished-rows.ts';
import { profileColumns, toProfile } from '../profiles/profiles.schemas.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import {
  type Article,
  type ArticleChanges,
  type ArticleSummary,
  DEFAULT_PAGE_SIZE,
  type FeedQuery,
  type ListArticlesQuery,
  type NewArticle,
} from './articles.schemas.ts';

type Db = Pick<PrismaClient, 'article' | 'favorite' | '$transaction'>;
type Transaction = Pick<Prisma.TransactionClient, 'tag'>;

/** Attempts at a free slug before giving up: the base, then random suffixes. */
const SLUG_ATTEMPTS = 4;

const summaryColumns = {
  id: true,
  slug: true,
  title: true,
  description: true,
  createdAt: true,
  updatedAt: true,
  readingTimeMinutes: true,
  author: { select: profileColumns },
  tags: { select: { tag: { select: { name: true } } } },
} as const satisfies Prisma.ArticleSelect;

const articleColumns = {
  ...summaryColumns,
  body: true,
  bodyHtml: true,
  renderedAt: true,
} as const satisfies Prisma.ArticleSelect;

type SummaryRow = Prisma.ArticleGetPayload<{ select: typeof summaryColumns }>;
type ArticleRow = Prisma.ArticleGetPayload<{ select: typeof articleColumns }>;

/** Favorite counts of the rows on a page, and what the current viewer favorited and follows. */
interface PageContext {
  favoritesCount: Map<number, number>;
  favorited: Set<number>;
  following: Set<number>;
}

const newestFirst: Prisma.ArticleOrderByWithRelationInput[] = [
  { createdAt: 'desc' },
  { id: 'desc' },
];

export function createArticlesService(deps: {
  db: Db;
  profiles: Pick<ProfilesService, 'followedAmong' | 'followedBy'>;
}) {
  const { db, profiles } = deps;

  // Counted per page with one grouped query over the favorites index. (Prisma's `_count`
  // relation aggregate groups the whole favorites table instead: query-plans test.)
  async function pageContext(
    viewerId: number | undefined,
    rows: SummaryRow[],
  ): Promise<PageContext> {
    if (rows.length === 0) {
      return { favoritesCount: new Map(), favorited: new Set(), following: new Set() };
    }
    const articleIds = rows.map((row) => row.id);
    const [counts, favorites, following] = await Promise.all([
      db.favorite.groupBy({
        by: ['articleId'],
        where: { articleId: { in: articleIds } },
        _count: { _all: true },
      }),
      viewerId === undefined
        ? []
        : db.favorite.findMany({
            where: { userId: viewerId, articleId: { in: articleIds } },
            select: { articleId: true },
          }),
      profiles.followedAmong(
        viewerId,
        rows.map((row) => row.author.id),
      ),
    ]);
    return {
      favoritesCount: new Map(counts.map((count) => [count.articleId, count._count._all])),
      favorited: new Set(favorites.map((favorite) => favorite.articleId)),
      following,
    };
  }

  function toSummary(row: SummaryRow, context: PageContext): ArticleSummary {
    return {
      slug: row.slug,
      title: row.title,
      description: row.description,
      // Sorted so the same article always lists its tags the same way.
      tagList: row.tags.map((link) => link.tag.name).sort(),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      favorited: context.favorited.has(row.id),
      favoritesCount: context.favoritesCount.get(row.id) ?? 0,
      readingTimeMinutes: row.readingTimeMinutes,
      author: toProfile(row.author, context.following.has(row.author.id)),
    };
  }

  async function toArticle(row: ArticleRow, viewerId: number | undefined): Promise<Article> {
    return {
      ...toSummary(row, await pageContext(viewerId, [row])),
      body: row.body,
      // HTML rendered from an older body is not shown: until the worker renders the new one,
      // clients render the markdown themselves.
      bodyHtml: row.renderedAt !== null && row.renderedAt >= row.updatedAt ? row.bodyHtml : null,
    };
  }

  async function page(
    where: Prisma.ArticleWhereInput,
    query: { limit?: number | undefined; offset?: number | undefined },
    viewerId: number | undefined,
  ) {
    const [rows, articlesCount] = await Promise.all([
      db.article.findMany({
        where,
        orderBy: newestFirst,
        skip: query.offset ?? 0,
        take: query.limit ?? DEFAULT_PAGE_SIZE,
        select: summaryColumns,
      }),
      db.article.count({ where }),
    ]);
    const context = await pageContext(viewerId, rows);
    return { articles: rows.map((row) => toSummary(row, context)), articlesCount };
  }

  async function findForChange(slug: string, viewerId: number) {
    const article = await db.article.findUnique({
      where: { slug },
      select: { id: true, authorId: true, slug: true },
    });
    if (!article) throw new NotFoundError('article');
    if (article.authorId !== viewerId) throw new ForbiddenError('article');
    return article;
  }

  async function findId(slug: string): Promise<number> {
    const article = await db.article.findUnique({ where: { slug }, select: { id: true } });
    if (!article) throw new NotFoundError('article');
    return article.id;
  }

  /** Reads back an article just written; it may have been deleted since. */
  async function readById(id: number, viewerId: number | undefined): Promise<Article> {
    const row = await db.article.findUnique({ where: { id }, select: articleColumns });
    if (!row) throw new NotFoundError('article');
    return toArticle(row, viewerId);
  }

  return {
    list(query: ListArticlesQuery, viewerId: number | undefined) {
      const where: Prisma.ArticleWhereInput = {
        ...(query.tag !== undefined && { tags: { some: { tag: { name: query.tag } } } }),
        ...(query.author !== undefined && { author: { username: query.author } }),
        ...(query.favorited !== undefined && {
          favorites: { some: { user: { username: query.favorited } } },
        }),
      };
      return page(where, query, viewerId);
    },

    async feed(query: FeedQuery, viewerId: number) {
      // Followed ids first: `author_id IN (...)` walks the (author_id, created_at) index, where
      // the relation filter made Postgres scan every article. Pull-on-read suits people who
      // follow up to thousands; beyond that a feed is built on write (docs/database.md).
      const authorIds = await profiles.followedBy(viewerId);
      return page({ authorId: { in: authorIds } }, query, viewerId);
    },

    async get(slug: string, viewerId: number | undefined): Promise<Article> {
      const row = await db.article.findUnique({ where: { slug }, select: articleColumns });
      if (!row) throw new NotFoundError('article');
      return toArticle(row, viewerId);
    },

    async create(authorId: number, input: NewArticle): Promise<Article> {
      const tagNames = normalizeTags(input.tagList ?? []);
      const id = await withFreeSlug(slugify(input.title), (slug) =>
        db.$transaction(async (tx) => {
          const tagIds = await ensureTags(tx, tagNames);
          const article = await tx.article.create({
            data: {
              slug,
              title: input.title,
              description: input.description,
              body: input.body,
              authorId,
              tags: { createMany: { data: tagIds.map((tagId) => ({ tagId })) } },
            },
            select: { id: true },
          });
          await recordEvent(tx, {
            type: 'article.published',
            payload: { articleId: article.id, authorId },
          });
          return article.id;
        }),
      );
      return readById(id, authorId);
    },

    async update(slug: string, viewerId: number, changes: ArticleChanges): Promise<Article> {
      const article = await findForChange(slug, viewerId);
      // The slug follows the title, unless the new title slugifies to the same slug.
      const wantedSlug = changes.title === undefined ? article.slug : slugify(changes.title);
      const slugChanges = wantedSlug !== article.slug && !isSuffixedForm(article.slug, wantedSlug);
      const write = (newSlug: string | undefined) =>
        notFoundIfVanished('article', () =>
          db.$transaction(async (tx) => {
            await tx.article.update({
              where: { id: article.id },
              data: {
                slug: newSlug,
                title: changes.title,
                description: changes.description,
                body: changes.body,
              },
            });
            if (changes.tagList !== undefined) {
              await tx.articleTag.deleteMany({ where: { articleId: article.id } });
              const tagIds = await ensureTags(tx, normalizeTags(changes.tagList));
              await tx.articleTag.createMany({
                data: tagIds.map((tagId) => ({ articleId: article.id, tagId })),
              });
            }
            await recordEvent(tx, { type: 'article.updated', payload: { articleId: article.id } });
          }),
        );
      if (slugChanges) await withFreeSlug(wantedSlug, write);
      else await write(undefined);
      return readById(article.id, viewerId);
    },

    async remove(slug: string, viewerId: number): Promise<void> {
      const article = await findForChange(slug, viewerId);
      await notFoundIfVanished('article', () =>
        db.$transaction(async (tx) => {
          await tx.article.delete({ where: { id: article.id } });
          await recordEvent(tx, {
            type: 'article.deleted',
            payload: { articleId: article.id, slug: article.slug },
          });
        }),
      );
    },

    async favorite(slug: string, viewerId: number): Promise<Article> {
      const articleId = await findId(slug);
      await notFoundIfVanished('article', () =>
        db.favorite.createMany({ data: [{ userId: viewerId, articleId }], skipDuplicates: true }),
      );
      return readById(articleId, viewerId);
    },

    async unfavorite(slug: string, viewerId: number): Promise<Article> {
      const articleId = await findId(slug);
      await db.favorite.deleteMany({ where: { userId: viewerId, articleId } });
      return readById(articleId, viewerId);
    },
  };
}

export type ArticlesService = ReturnType<typeof createArticlesService>;

/** Trimmed, de-duplicated, empty ones dropped; order does not matter (lists are sorted on read). */
function normalizeTags(tagList: string[]): string[] {
  return [...new Set(tagList.map((tag) => tag.trim()).filter((tag) => tag !== ''))];
}

/** Ids of the named tags, creating the missing ones; safe when two writers add the same tag. */
async function ensureTags(tx: Transaction, names: string[]): Promise<number[]> {
  if (names.length === 0) return [];
  await tx.tag.createMany({ data: names.map((name) => ({ name })), skipDuplicates: true });
  const tags = await tx.tag.findMany({ where: { name: { in: names } }, select: { id: true } });
  return tags.map((tag) => tag.id);
}

/**
 * Runs `write` with `base` as the slug, and again with a random suffix while the slug is taken.
 * The unique index decides, so two authors publishing the same title at once both succeed.
 */
async function withFreeSlug<T>(base: string, write: (slug: string) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const slug = attempt === 0 ? base : withRandomSuffix(base);
    try {
      return await write(slug);
    } catch (error) {
      if (!isUniqueViolation(error, 'slug') || attempt + 1 >= SLUG_ATTEMPTS) throw error;
    }
  }
}

/** "my-title-x1y2z3" is already a slug for "My title": renaming to the same title keeps it. */
function isSuffixedForm(slug: string, base: string): boolean {
  return slug.startsWith(`${base}-`) && /^[0-9a-z]{6}$/.test(slug.slice(base.length + 1));
}
