// Articles: the read paths every visitor hits (list, feed, one article) and the author's
// writes. Reads come from the application cache: which articles a page shows
// (article-pages.ts), then each article, its author and what the viewer favorited and follows
// (article-cards.ts), a round trip to Redis each. Writes go through the outbox: the event
// commits with the change, and its cache invalidation runs as soon as it has (outbox.ts).
import type { Prisma } from '@headroom/db/client';
import { isUniqueViolation, withClientErrors } from '@headroom/db/prisma-errors';
import { slugify, withRandomSuffix } from '@headroom/db/slug';
import { ForbiddenError, NotFoundError, ValidationError } from '@headroom/errors/http-errors';
import type { Outbox } from '../../outbox.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { ArticleCards } from './article-cards.ts';
import {
  type ArticleFilter,
  type ArticlePages,
  decodeCursor,
  type PageWindow,
  type StoredPage,
} from './article-pages.ts';
import {
  type Article,
  type ArticleChanges,
  type ArticleSummary,
  DEFAULT_PAGE_SIZE,
  type FeedQuery,
  type ListArticlesQuery,
  type NewArticle,
} from './articles.schemas.ts';

type Transaction = Pick<Prisma.TransactionClient, 'tag' | 'articleTag'>;

/** Attempts at a free slug before giving up: the base, then random suffixes. */
const SLUG_ATTEMPTS = 4;

export interface ArticlesPage {
  articles: ArticleSummary[];
  articlesCount: number;
  nextCursor: string | null;
}

const EMPTY_PAGE: ArticlesPage = { articles: [], articlesCount: 0, nextCursor: null };
const EMPTY_STORED: StoredPage = { items: [], count: 0, nextCursor: null };

function windowOf(query: { limit?: number; offset?: number; cursor?: string }): PageWindow {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (query.cursor === undefined) return { limit, offset: query.offset ?? 0 };
  if (query.offset !== undefined && query.offset !== 0) {
    throw new ValidationError({ offset: ['cannot be combined with cursor'] });
  }
  return { limit, offset: 0, after: decodeCursor(query.cursor) };
}

export function createArticlesService(deps: {
  db: Pick<Prisma.TransactionClient, 'article'>;
  outbox: Outbox;
  pages: ArticlePages;
  cards: ArticleCards;
  profiles: Pick<ProfilesService, 'userIdByUsername' | 'followedBy'>;
}) {
  const { db, outbox, pages, cards, profiles } = deps;

  /**
   * A stored page whose articles all still exist, with their summaries. A page that names an
   * article deleted since it was stored is dropped and read again, once.
   */
  async function present(
    viewerId: number | undefined,
    load: () => Promise<StoredPage>,
    forget: () => Promise<void>,
    known: { allFollowed?: boolean } = {},
  ): Promise<ArticlesPage> {
    for (let attempt = 0; ; attempt++) {
      const page = await load();
      const { summaries, complete } = await cards.summaries(
        page.items.map(([id]) => id),
        page.items.map(([, authorId]) => authorId),
        viewerId,
        known,
      );
      if (complete || attempt === 1) {
        return { articles: summaries, articlesCount: page.count, nextCursor: page.nextCursor };
      }
      await forget();
    }
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
    const id = await cards.idBySlug(slug);
    if (id === null) throw new NotFoundError('article');
    return id;
  }

  /** Reads back an article just written; it may have been deleted since. */
  async function readById(id: number, viewerId: number | undefined): Promise<Article> {
    const article = await cards.article(id, viewerId);
    if (!article) throw new NotFoundError('article');
    return article;
  }

  return {
    async list(query: ListArticlesQuery, viewerId: number | undefined): Promise<ArticlesPage> {
      const window = windowOf(query);
      const [authorId, favoritedBy] = await Promise.all([
        query.author === undefined ? undefined : profiles.userIdByUsername(query.author),
        query.favorited === undefined ? undefined : profiles.userIdByUsername(query.favorited),
      ]);
      // Nobody by that name: nothing they wrote or favorited.
      if (authorId === null || favoritedBy === null) return EMPTY_PAGE;
      const filter: ArticleFilter = { tag: query.tag, authorId, favoritedBy };
      return present(
        viewerId,
        () => pages.page(filter, window),
        () => pages.forget(filter, window),
      );
    },

    async feed(query: FeedQuery, viewerId: number): Promise<ArticlesPage> {
      const window = windowOf(query);
      const followedBy = () => profiles.followedBy(viewerId);
      const cached = await pages.feed(viewerId, window, followedBy);
      if (cached === null) {
        // Too many followed authors to cache as a set: read the page directly.
        return present(
          viewerId,
          () => pages.pageOfFollowed(viewerId, window),
          async () => {},
        );
      }
      // Every author in a feed is followed. A deleted article bumps its author's generation, so
      // no stored feed page names one: there is nothing to forget.
      let first: StoredPage | null = cached;
      return present(
        viewerId,
        async () => {
          const page = first ?? (await pages.feed(viewerId, window, followedBy)) ?? EMPTY_STORED;
          first = null;
          return page;
        },
        async () => {},
        { allFollowed: true },
      );
    },

    async get(slug: string, viewerId: number | undefined): Promise<Article> {
      return readById(await findId(slug), viewerId);
    },

    async create(authorId: number, input: NewArticle): Promise<Article> {
      const tags = normalizeTags(input.tagList ?? []);
      const id = await withFreeSlug(slugify(input.title), (slug) =>
        outbox.transaction(async (tx, record) => {
          const tagIds = await ensureTags(tx, tags);
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
          await record({
            type: 'article.published',
            payload: { articleId: article.id, authorId, tags },
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
        withClientErrors({ vanished: 'article' }, () =>
          outbox.transaction(async (tx, record) => {
            await tx.article.update({
              where: { id: article.id },
              data: {
                slug: newSlug,
                title: changes.title,
                description: changes.description,
                body: changes.body,
              },
            });
            let tagsChanged: string[] | undefined;
            if (changes.tagList !== undefined) {
              const before = await tagNamesOf(tx, article.id);
              const after = normalizeTags(changes.tagList);
              await tx.articleTag.deleteMany({ where: { articleId: article.id } });
              const tagIds = await ensureTags(tx, after);
              await tx.articleTag.createMany({
                data: tagIds.map((tagId) => ({ articleId: article.id, tagId })),
              });
              tagsChanged = [...new Set([...before, ...after])];
            }
            await record({
              type: 'article.updated',
              payload: {
                articleId: article.id,
                authorId: article.authorId,
                ...(newSlug !== undefined && { previousSlug: article.slug }),
                ...(tagsChanged !== undefined && { tagsChanged }),
              },
            });
          }),
        );
      if (slugChanges) await withFreeSlug(wantedSlug, write);
      else await write(undefined);
      return readById(article.id, viewerId);
    },

    async remove(slug: string, viewerId: number): Promise<void> {
      const article = await findForChange(slug, viewerId);
      await withClientErrors({ vanished: 'article' }, () =>
        outbox.transaction(async (tx, record) => {
          const tags = await tagNamesOf(tx, article.id);
          await tx.article.delete({ where: { id: article.id } });
          await record({
            type: 'article.deleted',
            payload: {
              articleId: article.id,
              slug: article.slug,
              authorId: article.authorId,
              tags,
            },
          });
        }),
      );
    },

    async favorite(slug: string, viewerId: number): Promise<Article> {
      const articleId = await findId(slug);
      await withClientErrors({ vanished: 'article' }, () =>
        outbox.transaction(async (tx, record) => {
          const { count } = await tx.favorite.createMany({
            data: [{ userId: viewerId, articleId }],
            skipDuplicates: true,
          });
          if (count === 1) {
            await record({ type: 'article.favorited', payload: { articleId, userId: viewerId } });
          }
        }),
      );
      return readById(articleId, viewerId);
    },

    async unfavorite(slug: string, viewerId: number): Promise<Article> {
      const articleId = await findId(slug);
      await outbox.transaction(async (tx, record) => {
        const { count } = await tx.favorite.deleteMany({ where: { userId: viewerId, articleId } });
        if (count === 1) {
          await record({ type: 'article.unfavorited', payload: { articleId, userId: viewerId } });
        }
      });
      return readById(articleId, viewerId);
    },
  };
}

export type ArticlesService = ReturnType<typeof createArticlesService>;

/** Trimmed, de-duplicated, empty ones dropped; order does not matter (lists are sorted on read). */
function normalizeTags(tagList: string[]): string[] {
  return [...new Set(tagList.map((tag) => tag.trim()).filter((tag) => tag !== ''))];
}

async function tagNamesOf(tx: Transaction, articleId: number): Promise<string[]> {
  const links = await tx.articleTag.findMany({
    where: { articleId },
    select: { tag: { select: { name: true } } },
  });
  return links.map((link) => link.tag.name);
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
