// Articles as every page shows them, assembled from the application cache (docs/caching.md):
//   card     what a list shows (no body), with favoritesCount and the author's id
//   body     the body and its rendered HTML, for the article page only
//   profile  the author, one entry per user (profiles.service.ts), shared by all their cards
// plus what depends on the viewer, overlaid from their own cached sets: which of these
// articles they favorited, which of these authors they follow. A page of 20 articles is one
// round trip to Redis for all of it. Misses are read from the primary by id, in one statement
// each: lookups by key are cheap, and must not bring back a row a replica has not replayed.

import { entityKeys } from '@headroom/cache/keys';
import { TOO_MANY_MEMBERS, type VersionedCache } from '@headroom/cache/versioned-cache';
import type { PrismaClient } from '@headroom/db/client';
import { type ProfileRow, toProfile } from '../profiles/profiles.schemas.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { Article, ArticleSummary } from './articles.schemas.ts';

type Db = Pick<PrismaClient, '$queryRaw'>;

/** An article as the cache keeps it for lists: nothing that depends on who is looking. */
export interface ArticleCard {
  id: number;
  slug: string;
  title: string;
  description: string;
  /** Sorted, so the same article always lists its tags the same way. */
  tagList: string[];
  createdAt: string;
  updatedAt: string;
  favoritesCount: number;
  readingTimeMinutes: number | null;
  authorId: number;
}

interface ArticleBody {
  body: string;
  /** Null while the worker has not rendered the current body. */
  bodyHtml: string | null;
}

/**
 * A viewer's favorites are cached whole up to this many articles; past it, each page asks
 * Postgres about its own articles instead. The seed's users have about 100; a set of this
 * size is about 100 KB in Redis.
 */
export const MAX_CACHED_FAVORITES = 10_000;

interface CardRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  created_at: Date;
  updated_at: Date;
  favorites_count: number;
  reading_time_minutes: number | null;
  author_id: number;
  tag_list: string[];
}

const idOf = (key: { key: string }) => Number(key.key.split(':')[1]);

export function createArticleCards(deps: {
  db: Db;
  cache: VersionedCache;
  profiles: Pick<ProfilesService, 'profilesByIds' | 'followedAmong'>;
}) {
  const { db, cache, profiles } = deps;

  async function cardsByIds(ids: readonly number[]): Promise<Map<number, ArticleCard>> {
    const found = await cache.entities<ArticleCard>(
      ids.map(entityKeys.articleCard),
      async (missing) => {
        const rows = await db.$queryRaw<CardRow[]>`
          SELECT a.id, a.slug, a.title, a.description, a.created_at, a.updated_at,
                 a.favorites_count, a.reading_time_minutes, a.author_id,
                 ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                        WHERE at.article_id = a.id) AS tag_list
            FROM articles a
           WHERE a.id = ANY(${missing.map(idOf)}::int[])`;
        return new Map(rows.map((row) => [entityKeys.articleCard(row.id).key, toCard(row)]));
      },
    );
    return new Map([...found.values()].map((card) => [card.id, card]));
  }

  async function bodyById(id: number): Promise<ArticleBody | undefined> {
    const key = entityKeys.articleBody(id);
    const found = await cache.entities<ArticleBody>([key], async () => {
      // HTML rendered from an older body is not shown: until the worker renders the new one,
      // clients render the markdown themselves.
      const rows = await db.$queryRaw<{ body: string; body_html: string | null }[]>`
        SELECT body,
               CASE WHEN rendered_at >= updated_at THEN body_html END AS body_html
          FROM articles WHERE id = ${id}`;
      return new Map(rows.map((row) => [key.key, { body: row.body, bodyHtml: row.body_html }]));
    });
    return found.get(key.key);
  }

  async function favoritedAmong(
    viewerId: number | undefined,
    articleIds: readonly number[],
  ): Promise<Set<number>> {
    if (viewerId === undefined || articleIds.length === 0) return new Set();
    const cached = await cache.membership(entityKeys.favorites(viewerId), articleIds, async () => {
      const rows = await db.$queryRaw<{ article_id: number }[]>`
        SELECT article_id FROM favorites WHERE user_id = ${viewerId}
         LIMIT ${MAX_CACHED_FAVORITES + 1}`;
      return rows.length > MAX_CACHED_FAVORITES
        ? TOO_MANY_MEMBERS
        : rows.map((row) => row.article_id);
    });
    if (cached) return cached;
    const rows = await db.$queryRaw<{ article_id: number }[]>`
      SELECT article_id FROM favorites
       WHERE user_id = ${viewerId} AND article_id = ANY(${[...articleIds]}::int[])`;
    return new Set(rows.map((row) => row.article_id));
  }

  /**
   * The summaries of the articles `ids`, in that order, for `viewerId`. `complete` is false
   * when one no longer exists (deleted since the list naming it was stored).
   */
  async function summaries(
    ids: readonly number[],
    authorIds: readonly number[],
    viewerId: number | undefined,
    known: { allFollowed?: boolean } = {},
  ): Promise<{ summaries: ArticleSummary[]; complete: boolean }> {
    const [cards, authors, favorited, following] = await Promise.all([
      cardsByIds(ids),
      profiles.profilesByIds(authorIds),
      favoritedAmong(viewerId, ids),
      // A feed lists only followed authors: nothing to look up.
      known.allFollowed ? new Set(authorIds) : profiles.followedAmong(viewerId, authorIds),
    ]);
    const list: ArticleSummary[] = [];
    for (const id of ids) {
      const card = cards.get(id);
      const author = card && authors.get(card.authorId);
      if (!card || !author) continue;
      list.push(summaryOf(card, author, favorited.has(id), following.has(author.id)));
    }
    return { summaries: list, complete: list.length === ids.length };
  }

  return {
    cardsByIds,
    summaries,

    /** The article's id by its slug (cached), or null. */
    async idBySlug(slug: string): Promise<number | null> {
      const key = entityKeys.articleIdBySlug(slug);
      const found = await cache.entities<number>([key], async () => {
        const rows = await db.$queryRaw<{ id: number }[]>`
          SELECT id FROM articles WHERE slug = ${slug}`;
        return new Map(rows.map((row) => [key.key, row.id]));
      });
      return found.get(key.key) ?? null;
    },

    /** The whole article as the viewer sees it, or null if it does not exist (any more). */
    async article(id: number, viewerId: number | undefined): Promise<Article | null> {
      const [cards, body] = await Promise.all([cardsByIds([id]), bodyById(id)]);
      const card = cards.get(id);
      if (!card || !body) return null;
      const [authors, favorited, following] = await Promise.all([
        profiles.profilesByIds([card.authorId]),
        favoritedAmong(viewerId, [id]),
        profiles.followedAmong(viewerId, [card.authorId]),
      ]);
      const author = authors.get(card.authorId);
      if (!author) return null;
      return {
        ...summaryOf(card, author, favorited.has(id), following.has(author.id)),
        body: body.body,
        bodyHtml: body.bodyHtml,
      };
    },
  };
}

export type ArticleCards = ReturnType<typeof createArticleCards>;

function summaryOf(
  card: ArticleCard,
  author: ProfileRow,
  favorited: boolean,
  following: boolean,
): ArticleSummary {
  return {
    slug: card.slug,
    title: card.title,
    description: card.description,
    tagList: card.tagList,
    createdAt: card.createdAt,
    updatedAt: card.updatedAt,
    favorited,
    favoritesCount: card.favoritesCount,
    readingTimeMinutes: card.readingTimeMinutes,
    author: toProfile(author, following),
  };
}

function toCard(row: CardRow): ArticleCard {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    description: row.description,
    tagList: [...row.tag_list].sort(),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    favoritesCount: row.favorites_count,
    readingTimeMinutes: row.reading_time_minutes,
    authorId: row.author_id,
  };
}
