// A reader's notifications, written by the worker's fan-out-notifications job. Pages use a
// keyset cursor (`id < before`), so page 500 costs what page 1 does, and rows inserted while
// a reader pages through never shift or repeat entries.
import type { PrismaClient } from '@headroom/db/client';
import {
  DEFAULT_NOTIFICATIONS_PAGE,
  type Notification,
  type NotificationsQuery,
} from './notifications.schemas.ts';

type Db = Pick<PrismaClient, 'notification'>;

export function createNotificationsService({ db }: { db: Db }) {
  function unreadCount(userId: number): Promise<number> {
    return db.notification.count({ where: { userId, readAt: null } });
  }

  return {
    async list(userId: number, query: NotificationsQuery) {
      const limit = query.limit ?? DEFAULT_NOTIFICATIONS_PAGE;
      const [rows, unread] = await Promise.all([
        db.notification.findMany({
          where: { userId, ...(query.before !== undefined && { id: { lt: query.before } }) },
          orderBy: { id: 'desc' },
          // One extra row tells whether another page exists without a count.
          take: limit + 1,
          select: {
            id: true,
            kind: true,
            createdAt: true,
            readAt: true,
            article: { select: { slug: true, title: true } },
            actor: { select: { username: true, image: true } },
          },
        }),
        unreadCount(userId),
      ]);
      const page = rows.slice(0, limit);
      const notifications: Notification[] = page.map((row) => ({
        ...row,
        createdAt: row.createdAt.toISOString(),
        readAt: row.readAt?.toISOString() ?? null,
      }));
      return {
        notifications,
        unreadCount: unread,
        nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },

    async markRead(userId: number, upTo: number | undefined) {
      await db.notification.updateMany({
        where: { userId, readAt: null, ...(upTo !== undefined && { id: { lte: upTo } }) },
        data: { readAt: new Date() },
      });
      return { unreadCount: await unreadCount(userId) };
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
