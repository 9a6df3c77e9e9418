import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewerId } from '../../plugins/auth.ts';
import { ErrorResponse } from '../../plugins/error-handler.ts';
import {
  MarkReadBody,
  NotificationsQuery,
  NotificationsResponse,
  UnreadCountResponse,
} from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';

const tags = ['Notifications'];
const errors = { 401: ErrorResponse, 422: ErrorResponse };

export const notificationsRoutes: FastifyPluginAsyncTypebox<{
  notifications: NotificationsService;
}> = async (app, { notifications }) => {
  app.get(
    '/notifications',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        security: [{ Token: [] }],
        summary: 'Your notifications, newest first, with the unread count',
        querystring: NotificationsQuery,
        response: { 200: NotificationsResponse, ...errors },
      },
    },
    async (request) => notifications.list(viewerId(request), request.query),
  );

  app.post(
    '/notifications/read',
    {
      config: { auth: 'required', limitedAs: 'notificationReads' },
      schema: {
        tags,
        security: [{ Token: [] }],
        summary: 'Mark notifications read (all, or up to an id)',
        body: MarkReadBody,
        response: { 200: UnreadCountResponse, ...errors },
      },
    },
    async (request) => notifications.markRead(viewerId(request), request.body?.upTo),
  );
};
