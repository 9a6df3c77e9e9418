import { type Static, Type } from 'typebox';
import { RowId } from '../../schemas/row-id.ts';

export const MAX_NOTIFICATIONS_PAGE = 100;
export const DEFAULT_NOTIFICATIONS_PAGE = 20;

export const Notification = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  article: Type.Object({ slug: Type.String(), title: Type.String() }),
  actor: Type.Object({
    username: Type.String(),
    image: Type.Union([Type.String(), Type.Null()]),
  }),
});
export type Notification = Static<typeof Notification>;

export const NotificationsQuery = Type.Object({
  /** Keyset cursor: only notifications older than this id (the previous page's `nextBefore`). */
  before: Type.Optional(RowId),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_NOTIFICATIONS_PAGE })),
});
export type NotificationsQuery = Static<typeof NotificationsQuery>;

export const NotificationsResponse = Type.Object({
  notifications: Type.Array(Notification),
  unreadCount: Type.Integer(),
  /** Pass as `before` for the next page; null on the last page. */
  nextBefore: Type.Union([Type.Integer(), Type.Null()]),
});

export const MarkReadBody = Type.Union([
  Type.Null(),
  Type.Object({
    /** Marks notifications up to and including this id; without it, all of them. */
    upTo: Type.Optional(RowId),
  }),
]);

export const UnreadCountResponse = Type.Object({ unreadCount: Type.Integer() });
