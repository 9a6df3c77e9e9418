// What each domain event invalidates in the application cache: the rule table of
// docs/caching.md, as code. The API applies the rule of each event it records as soon as the
// write commits (the writer's next read sees it); the worker's outbox relay applies it again
// when it relays the event (a backstop when the cache was unreachable at commit time). Both
// are safe to repeat: an invalidation only bumps versions.
//
// Every event type is listed (the `satisfies` makes a missing one a compile error), so a new
// event forces a decision here, as it does for its follow-up jobs in packages/jobs.
import type { DomainEvent, DomainEventPayload, DomainEventType } from '@headroom/jobs/contract';
import { entityKeys, generationKeys } from './keys.ts';
import type { Invalidation } from './versioned-cache.ts';

const nothing: Invalidation = { entities: [], generations: [] };

/** The lists a tag appears in, plus the tag cloud (a new tag joins it). */
const tagLists = (tags: readonly string[] | undefined) => [
  ...(tags ?? []).map(generationKeys.articlesByTag),
  generationKeys.tags,
];

export const invalidationRules = {
  // Nothing is cached about a user who did not exist (the cache stores no "not found").
  'user.registered': () => nothing,
  // Nothing cached shows whether an address is verified.
  'user.email-verification-requested': () => nothing,
  'user.email-verified': () => nothing,
  // Cards hold the author's id, not the profile: one profile entry serves them all. A password
  // or email change bumped the token version, which every authenticated request reads.
  'user.updated': ({ userId, previousUsername }) => ({
    entities: [
      entityKeys.profile(userId),
      entityKeys.tokenVersion(userId),
      ...(previousUsername === undefined ? [] : [entityKeys.userIdByUsername(previousUsername)]),
    ],
    generations: [],
  }),
  // A new article heads every list it belongs to.
  'article.published': ({ authorId, tags }) => ({
    entities: [],
    generations: [
      generationKeys.allArticles,
      generationKeys.articlesByAuthor(authorId),
      ...tagLists(tags),
    ],
  }),
  // Lists hold ids in creation order, which an edit does not change, except the tag lists when
  // its tags change.
  'article.updated': ({ articleId, previousSlug, tagsChanged }) => ({
    entities: [
      entityKeys.articleCard(articleId),
      entityKeys.articleBody(articleId),
      ...(previousSlug === undefined ? [] : [entityKeys.articleIdBySlug(previousSlug)]),
    ],
    generations: tagsChanged === undefined ? [] : tagLists(tagsChanged),
  }),
  'article.rendered': ({ articleId }) => ({
    entities: [entityKeys.articleCard(articleId), entityKeys.articleBody(articleId)],
    generations: [],
  }),
  // Lists that still name it (a reader's favorites, a legacy event without its author or tags)
  // drop the stored page when the article turns out to be gone (see articles.reads.ts).
  'article.deleted': ({ articleId, slug, authorId, tags }) => ({
    entities: [
      entityKeys.articleCard(articleId),
      entityKeys.articleBody(articleId),
      entityKeys.articleIdBySlug(slug),
    ],
    generations: [
      generationKeys.allArticles,
      ...(authorId === undefined ? [] : [generationKeys.articlesByAuthor(authorId)]),
      ...tagLists(tags),
      generationKeys.comments(articleId),
    ],
  }),
  // The card carries favoritesCount; the reader's own set and favorites list change.
  'article.favorited': ({ articleId, userId }) => favoriteChanged(articleId, userId),
  'article.unfavorited': ({ articleId, userId }) => favoriteChanged(articleId, userId),
  'comment.created': ({ articleId }) => ({
    entities: [],
    generations: [generationKeys.comments(articleId)],
  }),
  'comment.deleted': ({ articleId }) => ({
    entities: [],
    generations: [generationKeys.comments(articleId)],
  }),
  // The follower's `following` flags and their feed's set of authors.
  'user.followed': ({ followerId }) => followingChanged(followerId),
  'user.unfollowed': ({ followerId }) => followingChanged(followerId),
  'tags.ranked': () => ({ entities: [], generations: [generationKeys.tags] }),
} satisfies {
  [Type in DomainEventType]: (payload: DomainEventPayload<Type>) => Invalidation;
};

function favoriteChanged(articleId: number, userId: number): Invalidation {
  return {
    entities: [entityKeys.articleCard(articleId), entityKeys.favorites(userId)],
    generations: [generationKeys.articlesFavoritedBy(userId)],
  };
}

function followingChanged(followerId: number): Invalidation {
  return {
    entities: [entityKeys.following(followerId)],
    generations: [generationKeys.followedAuthors(followerId)],
  };
}

export function invalidationFor(event: DomainEvent): Invalidation {
  const rule = invalidationRules[event.type] as (payload: DomainEvent['payload']) => Invalidation;
  return rule(event.payload);
}

/** The invalidations of several events as one (the relay applies a batch in one round trip). */
export function mergeInvalidations(invalidations: readonly Invalidation[]): Invalidation {
  const unique = (keys: Invalidation['entities']) => [
    ...new Map(keys.map((key) => [key.key, key])).values(),
  ];
  return {
    entities: unique(invalidations.flatMap((invalidation) => invalidation.entities)),
    generations: unique(invalidations.flatMap((invalidation) => invalidation.generations)),
  };
}
