import { type Static, Type } from 'typebox';
import { Profile } from '../profiles/profiles.schemas.ts';

/** Pages are capped so one request cannot ask the database for the whole table. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/**
 * The deepest `offset` a list accepts. An offset makes Postgres walk and drop every row before
 * the page, so its cost grows with its depth (docs/database.md, "Deep pages"); past this, a
 * client pages with `cursor` (keyset paging), which costs the same at any depth.
 */
export const MAX_OFFSET = 1_000;
const MAX_TAGS_PER_ARTICLE = 10;

const Timestamp = Type.String({ format: 'date-time' });
const TagList = Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
  maxItems: MAX_TAGS_PER_ARTICLE,
});

const articleFields = {
  slug: Type.String(),
  title: Type.String(),
  description: Type.String(),
  tagList: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  favorited: Type.Boolean(),
  favoritesCount: Type.Integer(),
  author: Profile,
  /** Filled in by the worker seconds after each write (render-article); null until then. */
  readingTimeMinutes: Type.Union([Type.Integer(), Type.Null()]),
};

/** An article in a list: everything but the body (RealWorld dropped it from lists in 2024). */
export const ArticleSummary = Type.Object(articleFields);
export type ArticleSummary = Static<typeof ArticleSummary>;

export const Article = Type.Object({
  ...articleFields,
  body: Type.String(),
  /** The body rendered to sanitized HTML by the worker; null until it has run. */
  bodyHtml: Type.Union([Type.String(), Type.Null()]),
});
export type Article = Static<typeof Article>;

export const ArticleResponse = Type.Object({ article: Article });
export const ArticlesResponse = Type.Object({
  articles: Type.Array(ArticleSummary),
  articlesCount: Type.Integer(),
  /**
   * Pass as `cursor` for the next page (keyset paging: as cheap a million rows in as on the
   * first page); null on the last page.
   */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const Pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
  offset: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_OFFSET,
      description: `At most ${MAX_OFFSET}; page deeper with \`cursor\`.`,
    }),
  ),
  /** The `nextCursor` of the previous page; instead of `offset`. */
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
};

export const ListArticlesQuery = Type.Object({
  tag: Type.Optional(Type.String({ maxLength: 40 })),
  author: Type.Optional(Type.String({ maxLength: 64 })),
  favorited: Type.Optional(Type.String({ maxLength: 64 })),
  ...Pagination,
});
export type ListArticlesQuery = Static<typeof ListArticlesQuery>;

export const FeedQuery = Type.Object(Pagination);
export type FeedQuery = Static<typeof FeedQuery>;

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 255 }) });

export const CreateArticleBody = Type.Object({
  article: Type.Object({
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ minLength: 1, maxLength: 1_000 }),
    body: Type.String({ minLength: 1, maxLength: 100_000 }),
    tagList: Type.Optional(TagList),
  }),
});
export type NewArticle = Static<typeof CreateArticleBody>['article'];

export const UpdateArticleBody = Type.Object({
  article: Type.Object({
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000 })),
    body: Type.Optional(Type.String({ minLength: 1, maxLength: 100_000 })),
    /** Absent keeps the tags, `[]` clears them. */
    tagList: Type.Optional(TagList),
  }),
});
export type ArticleChanges = Static<typeof UpdateArticleBody>['article'];
