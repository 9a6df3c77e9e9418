// Every key of the application cache, named once: the API fills them, and the invalidation
// rules (invalidation-rules.ts), run by the API after a write and by the worker's outbox relay,
// invalidate the same names. `cache` is the label the metrics count them under.
//
//   entities     one thing each (an article card, a profile); a write bumps its version and
//                drops its data (versioned-cache.ts)
//   memberships  a viewer's set (their favorites, whom they follow); likewise
//   generations  one per family of query results (every list of a tag's articles); a write
//                bumps it, and every result stored under the old version is never read again

/** Prepended to every cache key; the API and the worker's relay must agree on it. */
export const CACHE_KEY_PREFIX = 'headroom:cache:';

export type CacheName =
  | 'article-card'
  | 'article-body'
  | 'article-slug'
  | 'profile'
  | 'username'
  | 'token-version'
  | 'favorites'
  | 'following'
  | 'article-list'
  | 'feed'
  | 'comments'
  | 'tags';

export interface CacheKey {
  /** The metrics label: which cache this key belongs to. */
  cache: CacheName;
  key: string;
  /** How it is stored and invalidated (versioned-cache.ts). */
  kind: 'entity' | 'membership' | 'generation';
  /**
   * A generation whose results may be filled from a replica: a write that bumps it records the
   * primary's WAL position with it, for the replica to reach first (docs/database.md).
   */
  filledFromReplica?: boolean;
}

const key = (cache: CacheName, name: string): CacheKey => ({ cache, key: name, kind: 'entity' });
const membership = (cache: CacheName, name: string): CacheKey => ({
  cache,
  key: name,
  kind: 'membership',
});
const generation = (cache: CacheName, name: string, filledFromReplica = true): CacheKey => ({
  cache,
  key: name,
  kind: 'generation',
  filledFromReplica,
});

/** Entities, and viewers' membership sets. */
export const entityKeys = {
  /** An article as lists show it (no body), with its favorites count and author id. */
  articleCard: (articleId: number) => key('article-card', `article:${articleId}:card`),
  /** The body and its rendered HTML, read only by the article page. */
  articleBody: (articleId: number) => key('article-body', `article:${articleId}:body`),
  articleIdBySlug: (slug: string) => key('article-slug', `article-slug:${slug}`),
  profile: (userId: number) => key('profile', `user:${userId}:profile`),
  /**
   * Usernames are unique regardless of case, so one key serves every spelling: NFC, then
   * JavaScript's lower case, which is what the users_username_lower_key index computes (lower()
   * under ICU's root collation). The invalidation rules name the same key from the old name.
   */
  userIdByUsername: (username: string) =>
    key('username', `username:${username.normalize('NFC').toLowerCase()}`),
  /**
   * The user's token version (users.token_version): every authenticated request compares its
   * token's with it (apps/api/src/plugins/auth.ts), so a password change revokes older tokens.
   */
  tokenVersion: (userId: number) => key('token-version', `user:${userId}:token-version`),
  /** Membership: the ids of the articles the user favorited. */
  favorites: (userId: number) => membership('favorites', `user:${userId}:favorites`),
  /** Membership: the ids of the users the user follows. */
  following: (userId: number) => membership('following', `user:${userId}:following`),
};

/** What every author's articles' generation starts with (a feed reads one per author it follows). */
export const ARTICLES_BY_AUTHOR_PREFIX = 'gen:articles:author:';

/** Generations: what a family of stored query results depends on. */
export const generationKeys = {
  allArticles: generation('article-list', 'gen:articles'),
  articlesByTag: (tag: string) => generation('article-list', `gen:articles:tag:${tag}`),
  /** An author's articles: the author filter, and every feed that includes the author. */
  articlesByAuthor: (userId: number) =>
    generation('article-list', `${ARTICLES_BY_AUTHOR_PREFIX}${userId}`),
  articlesFavoritedBy: (userId: number) =>
    generation('article-list', `gen:articles:favorited:${userId}`),
  /** Whom the user follows, as their feed sees it. */
  followedAuthors: (userId: number) => generation('feed', `gen:feed:${userId}`),
  /** An article's comments, always read from the primary (comments.service.ts). */
  comments: (articleId: number) => generation('comments', `gen:comments:${articleId}`, false),
  tags: generation('tags', 'gen:tags'),
};
