// The rule table itself: what each event invalidates. That a write is then visible on the next
// read is proven per rule through the API (apps/api/test/cache-rules.int.test.ts).
import { domainEvents } from '@headroom/jobs/contract';
import { describe, expect, it } from 'vitest';
import {
  invalidationFor,
  invalidationRules,
  mergeInvalidations,
} from '../src/invalidation-rules.ts';

const keysOf = (event: Parameters<typeof invalidationFor>[0]) => {
  const invalidation = invalidationFor(event);
  return {
    entities: invalidation.entities.map((key) => key.key),
    generations: invalidation.generations.map((key) => key.key),
  };
};

describe('invalidation rules', () => {
  it('when the contract has an event type, then the table has its rule', () => {
    expect(Object.keys(invalidationRules).sort()).toEqual(Object.keys(domainEvents).sort());
  });

  it('when an article is published, then every list it heads moves on, and the tag cloud', () => {
    expect(
      keysOf({
        type: 'article.published',
        payload: { articleId: 1, authorId: 2, tags: ['go', 'rust'] },
      }),
    ).toEqual({
      entities: [],
      generations: [
        'gen:articles',
        'gen:articles:author:2',
        'gen:articles:tag:go',
        'gen:articles:tag:rust',
        'gen:tags',
      ],
    });
  });

  it('when an article is edited, then its card and body go, and tag lists only if its tags changed', () => {
    expect(keysOf({ type: 'article.updated', payload: { articleId: 1, authorId: 2 } })).toEqual({
      entities: ['article:1:card', 'article:1:body'],
      generations: [],
    });
    expect(
      keysOf({
        type: 'article.updated',
        payload: { articleId: 1, previousSlug: 'old-title', tagsChanged: ['a', 'b'] },
      }),
    ).toEqual({
      entities: ['article:1:card', 'article:1:body', 'article-slug:old-title'],
      generations: ['gen:articles:tag:a', 'gen:articles:tag:b', 'gen:tags'],
    });
  });

  it('when an event from an older API lacks the newer fields, then its rule still applies what it can name', () => {
    expect(keysOf({ type: 'article.deleted', payload: { articleId: 5, slug: 's' } })).toEqual({
      entities: ['article:5:card', 'article:5:body', 'article-slug:s'],
      generations: ['gen:articles', 'gen:tags', 'gen:comments:5'],
    });
  });

  it('when a reader favorites, then the card (its count), their set and their favorites list change', () => {
    expect(keysOf({ type: 'article.favorited', payload: { articleId: 3, userId: 4 } })).toEqual({
      entities: ['article:3:card', 'user:4:favorites'],
      generations: ['gen:articles:favorited:4'],
    });
  });

  it('when a reader follows, then their following set and their feed change, not the author', () => {
    expect(keysOf({ type: 'user.unfollowed', payload: { followerId: 4, followingId: 9 } })).toEqual(
      { entities: ['user:4:following'], generations: ['gen:feed:4'] },
    );
  });

  it('when a profile changes, then its entry and its token version go, and its old username if that changed', () => {
    expect(
      keysOf({ type: 'user.updated', payload: { userId: 4, previousUsername: 'ada' } }),
    ).toEqual({
      entities: ['user:4:profile', 'user:4:token-version', 'username:ada'],
      generations: [],
    });
  });

  it('when a batch of events is merged, then each key appears once', () => {
    const merged = mergeInvalidations([
      invalidationFor({
        type: 'comment.created',
        payload: { commentId: 1, articleId: 2, authorId: 3 },
      }),
      invalidationFor({ type: 'comment.deleted', payload: { commentId: 1, articleId: 2 } }),
      invalidationFor({ type: 'tags.ranked', payload: {} }),
    ]);
    expect(merged.generations.map((key) => key.key)).toEqual(['gen:comments:2', 'gen:tags']);
  });
});
