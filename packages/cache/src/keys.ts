// Every key of the application cache, named once: the API fills them, and the invalidation
// rules (invalidation-rules.ts), run by the API after a write and by the worker's outbox relay,
// invalidate the same names. `cache` is the label the metrics count them under.
//
//   versioned hashes  one thing each (an article card, a profile, a viewer's favorites); a
//                     write bumps the hash's version and drops its data (versioned-cache.ts)
//   generations       one per family of query results (every list of a tag's articles); a
//                     write bumps it, and every result stored under the old version is unread

/** Prepended to every cache key; the API and the worker's relay must agree on it. */
export const CACHE_KEY_PREFIX = 'headroom:cache:';

export type CacheName =
  | 'article-card'
  | 'article-body'
  | 'article-slug'
  | 'profile'
  | 'username'
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
}

const key = (cache: CacheName, name: string): CacheKey => ({ cache, key: name });

/** Versioned hashes: entities, and viewers' membership sets. */
export const entityKeys = {
  /** An article as lists show it (no body), with its favorites count and author id. */
  articleCard: (articleId: number) => key('article-card', `article:${articleId}:card`),
  /** The body and its rendered HTML, read only by the article page. */
  articleBody: (articleId: number) => key('article-body', `article:${articleId}:body`),
  articleIdBySlug: (slug: string) => key('article-slug', `article-slug:${slug}`),
  profile: (userId: number) => key('profile', `user:${userId}:profile`),
  userIdByUsername: (username: string) => key('username', `username:${username}`),
  /** Membership: the ids of the articles the user favorited. */
  favorites: (userId: number) => key('favorites', `user:${userId}:favorites`),
  /** Membership: the ids of the users the user follows. */
  following: (userId: number) => key('following', `user:${userId}:following`),
};

/** Generations: what a family of stored query results depends on. */
export const generationKeys = {
  allArticles: key('article-list', 'gen:articles'),
  articlesByTag: (tag: string) => key('article-list', `gen:articles:tag:${tag}`),
  /** An author's articles: the author filter, and every feed that includes the author. */
  articlesByAuthor: (userId: number) => key('article-list', `gen:articles:author:${userId}`),
  articlesFavoritedBy: (userId: number) => key('article-list', `gen:articles:favorited:${userId}`),
  /** Whom the user follows, as their feed sees it. */
  followedAuthors: (userId: number) => key('feed', `gen:feed:${userId}`),
  comments: (articleId: number) => key('comments', `gen:comments:${articleId}`),
  tags: key('tags', 'gen:tags'),
};
