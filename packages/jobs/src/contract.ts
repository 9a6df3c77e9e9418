// The contract between the API (which records domain events) and the worker (which turns
// them into jobs and runs them): every event type, every job name, and each one's payload
// schema. A wrong payload is a compile error for a producer and a validation failure (no
// retry, straight to the dead-letter queue) in the worker. Payloads carry ids, never
// secrets or whole records: a handler loads the current state when it runs.
import { type Static, type TSchema, Type } from 'typebox';

const Id = Type.Integer({ minimum: 1 });
/**
 * Tag names, for the cache's invalidation rules (packages/cache/src/invalidation-rules.ts).
 * Optional: an event recorded by an API from before the field existed (a rolling deploy) has
 * none, and its rule falls back to what it can still name.
 */
const TagNames = Type.Optional(Type.Array(Type.String()));

export const domainEvents = {
  'user.registered': Type.Object({ userId: Id }),
  /** Profile fields changed (username, bio, image, email or password). */
  'user.updated': Type.Object({ userId: Id, previousUsername: Type.Optional(Type.String()) }),
  /**
   * The address needs a verification link: it changed, or its owner asked again. `requestedAt`
   * (epoch ms) tells two requests apart, so each gets its own email.
   */
  'user.email-verification-requested': Type.Object({
    userId: Id,
    requestedAt: Type.Integer({ minimum: 0 }),
  }),
  /** The link was followed: notification emails may go to the address now. */
  'user.email-verified': Type.Object({ userId: Id }),
  'article.published': Type.Object({ articleId: Id, authorId: Id, tags: TagNames }),
  'article.updated': Type.Object({
    articleId: Id,
    authorId: Type.Optional(Id),
    /** Set when the title change gave the article a new slug. */
    previousSlug: Type.Optional(Type.String()),
    /** Set when the tags changed: the old and the new ones together. */
    tagsChanged: TagNames,
  }),
  'article.deleted': Type.Object({
    articleId: Id,
    slug: Type.String(),
    authorId: Type.Optional(Id),
    tags: TagNames,
  }),
  /** The worker rendered the body (HTML, excerpt, reading time). */
  'article.rendered': Type.Object({ articleId: Id }),
  'article.favorited': Type.Object({ articleId: Id, userId: Id }),
  'article.unfavorited': Type.Object({ articleId: Id, userId: Id }),
  'comment.created': Type.Object({
    commentId: Id,
    articleId: Id,
    authorId: Id,
    /** The article's author, whom the comment emails; absent from events of older APIs. */
    articleAuthorId: Type.Optional(Id),
  }),
  'comment.deleted': Type.Object({ commentId: Id, articleId: Id }),
  'user.followed': Type.Object({ followerId: Id, followingId: Id }),
  'user.unfollowed': Type.Object({ followerId: Id, followingId: Id }),
  /** The worker recomputed the trending tags (the order of GET /api/tags). */
  'tags.ranked': Type.Object({}),
} satisfies Record<string, TSchema>;

export type DomainEventType = keyof typeof domainEvents;
export type DomainEventPayload<Type extends DomainEventType> = Static<(typeof domainEvents)[Type]>;
/** One event as the API records it: `{ type: 'article.published', payload: {...} }`. */
export type DomainEvent = {
  [Type in DomainEventType]: { type: Type; payload: DomainEventPayload<Type> };
}[DomainEventType];

export const jobs = {
  /** Markdown body to sanitized HTML, excerpt and reading time. */
  'render-article': Type.Object({ articleId: Id }),
  /** One notification per follower of the author, a page of followers at a time. */
  'fan-out-notifications': Type.Object({
    articleId: Id,
    authorId: Id,
    /** Keyset cursor: followers with a greater id are still to be notified. */
    afterFollowerId: Type.Integer({ minimum: 0 }),
  }),
  'send-email': Type.Union([
    /** Welcome, with the first verification link. */
    Type.Object({ template: Type.Literal('welcome'), userId: Id }),
    Type.Object({
      template: Type.Literal('verify-email'),
      userId: Id,
      requestedAt: Type.Integer({ minimum: 0 }),
    }),
    /** Only to a verified address. */
    Type.Object({ template: Type.Literal('new-comment'), commentId: Id }),
  ]),
  /** Scheduled: the "popular tags" list from recent articles. */
  'recompute-trending-tags': Type.Object({}),
  /** Scheduled: delivered outbox rows and read notifications past their retention. */
  'prune-old-rows': Type.Object({}),
} satisfies Record<string, TSchema>;

export type JobName = keyof typeof jobs;
export type JobPayload<Name extends JobName> = Static<(typeof jobs)[Name]>;
export const jobNames = Object.keys(jobs) as JobName[];

/**
 * A job to enqueue, typed so that `payload` must match `name`. With `dedupe`, the relay adds it
 * only if no job with the same key was added in the last `seconds` (BullMQ's deduplication): a
 * burst of events then costs one job, not one each. With `budget`, it adds at most `max` jobs
 * with that key per `seconds` (a counter in the queues' Redis), and drops the rest.
 */
export type JobRequest = {
  [Name in JobName]: {
    name: Name;
    payload: JobPayload<Name>;
    dedupe?: { key: string; seconds: number };
    budget?: { key: string; max: number; seconds: number };
  };
}[JobName];

/**
 * At most one comment email per article per this window: the first comment of a burst emails
 * the author, the rest are on the site. With the comment write limits (per user and per
 * address), no one can flood an author's inbox or spend the shared email budget
 * (EMAIL_RATE_LIMIT_PER_SECOND) by commenting (docs/security.md, "Rate limits").
 */
export const COMMENT_EMAIL_WINDOW_SECONDS = 600;
/**
 * And at most this many comment emails an hour on account of one commenter, whatever the
 * articles: a person rarely joins more than a handful of threads an hour, while a script
 * commenting on every article it finds (12 a minute under the write limits) would email 720
 * authors an hour from our domain.
 */
export const COMMENT_EMAILS_PER_COMMENTER_PER_HOUR = 20;

/**
 * The follow-up work of each event. Every event type is listed, even those with no job yet,
 * so adding an event forces a decision here (the `satisfies` makes a missing key an error).
 */
export const followUps = {
  'user.registered': ({ userId }) => [
    { name: 'send-email', payload: { template: 'welcome', userId } },
  ],
  'user.updated': () => [],
  'user.email-verification-requested': ({ userId, requestedAt }) => [
    { name: 'send-email', payload: { template: 'verify-email', userId, requestedAt } },
  ],
  'user.email-verified': () => [],
  'article.published': ({ articleId, authorId }) => [
    { name: 'render-article', payload: { articleId } },
    { name: 'fan-out-notifications', payload: { articleId, authorId, afterFollowerId: 0 } },
  ],
  'article.updated': ({ articleId }) => [{ name: 'render-article', payload: { articleId } }],
  // Rows that referenced the article went with it (ON DELETE CASCADE): nothing to do.
  'article.deleted': () => [],
  'article.rendered': () => [],
  'article.favorited': () => [],
  'article.unfavorited': () => [],
  // An author's own comment emails no one, so it costs no job (nor the article's window).
  'comment.created': ({ commentId, articleId, authorId, articleAuthorId }) =>
    authorId === articleAuthorId
      ? []
      : [
          {
            name: 'send-email',
            payload: { template: 'new-comment', commentId },
            dedupe: { key: `new-comment:${articleId}`, seconds: COMMENT_EMAIL_WINDOW_SECONDS },
            budget: {
              key: `comment-emails:${authorId}`,
              max: COMMENT_EMAILS_PER_COMMENTER_PER_HOUR,
              seconds: 3600,
            },
          },
        ],
  'comment.deleted': () => [],
  // Recorded for the audit trail and for consumers to come (a "new follower" email, say).
  'user.followed': () => [],
  'user.unfollowed': () => [],
  'tags.ranked': () => [],
} satisfies { [Type in DomainEventType]: (payload: DomainEventPayload<Type>) => JobRequest[] };

export function followUpJobs(event: DomainEvent): JobRequest[] {
  const route = followUps[event.type] as (payload: DomainEvent['payload']) => JobRequest[];
  return route(event.payload);
}
