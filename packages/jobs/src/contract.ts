// The contract between the API (which records domain events) and the worker (which turns
// them into jobs and runs them): every event type, every job name, and each one's payload
// schema. A wrong payload is a compile error for a producer and a validation failure (no
// retry, straight to the dead-letter queue) in the worker. Payloads carry ids, never
// secrets or whole records: a handler loads the current state when it runs.
import { type Static, type TSchema, Type } from 'typebox';

const Id = Type.Integer({ minimum: 1 });

export const domainEvents = {
  'user.registered': Type.Object({ userId: Id }),
  'article.published': Type.Object({ articleId: Id, authorId: Id }),
  'article.updated': Type.Object({ articleId: Id }),
  'article.deleted': Type.Object({ articleId: Id, slug: Type.String() }),
  'comment.created': Type.Object({ commentId: Id, articleId: Id, authorId: Id }),
  'user.followed': Type.Object({ followerId: Id, followingId: Id }),
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
    Type.Object({ template: Type.Literal('welcome'), userId: Id }),
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

/** A job to enqueue, typed so that `payload` must match `name`. */
export type JobRequest = { [Name in JobName]: { name: Name; payload: JobPayload<Name> } }[JobName];

/**
 * The follow-up work of each event. Every event type is listed, even those with no job yet,
 * so adding an event forces a decision here (the `satisfies` makes a missing key an error).
 */
export const followUps = {
  'user.registered': ({ userId }) => [
    { name: 'send-email', payload: { template: 'welcome', userId } },
  ],
  'article.published': ({ articleId, authorId }) => [
    { name: 'render-article', payload: { articleId } },
    { name: 'fan-out-notifications', payload: { articleId, authorId, afterFollowerId: 0 } },
  ],
  'article.updated': ({ articleId }) => [{ name: 'render-article', payload: { articleId } }],
  // Rows that referenced the article went with it (ON DELETE CASCADE): nothing to do.
  'article.deleted': () => [],
  'comment.created': ({ commentId }) => [
    { name: 'send-email', payload: { template: 'new-comment', commentId } },
  ],
  // Recorded for the audit trail and for consumers to come (a "new follower" email, say).
  'user.followed': () => [],
} satisfies { [Type in DomainEventType]: (payload: DomainEventPayload<Type>) => JobRequest[] };

export function followUpJobs(event: DomainEvent): JobRequest[] {
  const route = followUps[event.type] as (payload: DomainEvent['payload']) => JobRequest[];
  return route(event.payload);
}
