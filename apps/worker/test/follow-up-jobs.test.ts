// The routing from each domain event to the jobs it needs, as the outbox relay applies it.
import {
  COMMENT_EMAIL_WINDOW_SECONDS,
  COMMENT_EMAILS_PER_COMMENTER_PER_HOUR,
  type DomainEvent,
  followUpJobs,
  followUps,
} from '@headroom/jobs/contract';
import { describe, expect, it } from 'vitest';

describe('followUpJobs', () => {
  it.each<[DomainEvent, ReturnType<typeof followUpJobs>]>([
    [
      { type: 'user.registered', payload: { userId: 7 } },
      [{ name: 'send-email', payload: { template: 'welcome', userId: 7 } }],
    ],
    [
      { type: 'article.published', payload: { articleId: 3, authorId: 7 } },
      [
        { name: 'render-article', payload: { articleId: 3 } },
        {
          name: 'fan-out-notifications',
          payload: { articleId: 3, authorId: 7, afterFollowerId: 0 },
        },
      ],
    ],
    [
      { type: 'article.updated', payload: { articleId: 3 } },
      [{ name: 'render-article', payload: { articleId: 3 } }],
    ],
    [{ type: 'article.deleted', payload: { articleId: 3, slug: 'gone' } }, []],
    [
      { type: 'comment.created', payload: { commentId: 11, articleId: 3, authorId: 8 } },
      [
        {
          name: 'send-email',
          payload: { template: 'new-comment', commentId: 11 },
          // One comment email per article per window (docs/security.md, "Rate limits").
          dedupe: { key: 'new-comment:3', seconds: COMMENT_EMAIL_WINDOW_SECONDS },
          budget: {
            key: 'comment-emails:8',
            max: COMMENT_EMAILS_PER_COMMENTER_PER_HOUR,
            seconds: 3600,
          },
        },
      ],
    ],
    [
      {
        type: 'comment.created',
        payload: { commentId: 12, articleId: 3, authorId: 7, articleAuthorId: 7 },
      },
      [],
    ],
    [{ type: 'user.followed', payload: { followerId: 8, followingId: 7 } }, []],
    [
      { type: 'user.email-verification-requested', payload: { userId: 7, requestedAt: 1_000 } },
      [
        {
          name: 'send-email',
          payload: { template: 'verify-email', userId: 7, requestedAt: 1_000 },
        },
      ],
    ],
    [{ type: 'user.email-verified', payload: { userId: 7 } }, []],
  ])('when %o is relayed, then it becomes %o', (event, jobs) => {
    expect(followUpJobs(event)).toEqual(jobs);
  });

  it('when an event type exists, then the routing table decides its jobs (none left out)', () => {
    expect(Object.keys(followUps).sort()).toEqual([
      'article.deleted',
      'article.favorited',
      'article.published',
      'article.rendered',
      'article.unfavorited',
      'article.updated',
      'comment.created',
      'comment.deleted',
      'tags.ranked',
      'user.email-verification-requested',
      'user.email-verified',
      'user.followed',
      'user.registered',
      'user.unfollowed',
      'user.updated',
    ]);
  });
});
