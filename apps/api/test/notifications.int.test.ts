// The notifications endpoints. Rows are inserted here directly, as the worker's fan-out job
// would (its own tests prove the fan-out); this file proves paging, counts and marking read.
import { createPrismaClient, type PrismaClient } from '@headroom/db/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, createArticle, registerUser } from './support/conduit-client.ts';
import { buildTestApp, type TestApp } from './support/test-app.ts';

let testApp: TestApp;
let db: PrismaClient;
beforeAll(async () => {
  testApp = await buildTestApp();
  db = createPrismaClient({ databaseUrl: inject('databaseUrl'), maxConnections: 2 });
});
afterAll(async () => {
  await testApp.close();
  await db.$disconnect();
});

async function readerWithNotifications(count: number) {
  const author = await registerUser(testApp.app, 'author');
  const reader = await registerUser(testApp.app, 'reader');
  const ids = await db.user.findMany({
    where: { username: { in: [author.username, reader.username] } },
    select: { id: true, username: true },
  });
  const authorId = ids.find((user) => user.username === author.username)!.id;
  const readerId = ids.find((user) => user.username === reader.username)!.id;
  const articles = [];
  for (let index = 0; index < count; index++)
    articles.push(await createArticle(testApp.app, author.token));
  const rows = await db.article.findMany({
    where: { slug: { in: articles.map((article) => article.slug) } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  await db.notification.createMany({
    data: rows.map((row) => ({
      userId: readerId,
      articleId: row.id,
      actorId: authorId,
      kind: 'article.published',
    })),
  });
  return { reader, author };
}

describe('notifications', () => {
  it('when a reader pages through, then each page is newest first and pages never overlap', async () => {
    const { reader, author } = await readerWithNotifications(5);
    const first = await call(testApp.app, 'GET', '/api/notifications?limit=2', {
      token: reader.token,
    });
    expect(first.status).toBe(200);
    expect(first.body.unreadCount).toBe(5);
    expect(first.body.notifications).toHaveLength(2);
    expect(first.body.notifications[0]).toMatchObject({
      kind: 'article.published',
      readAt: null,
      actor: { username: author.username, image: null },
      article: { slug: expect.any(String), title: expect.any(String) },
    });

    const seen = [...first.body.notifications];
    let before = first.body.nextBefore;
    while (before !== null) {
      const page = await call(testApp.app, 'GET', `/api/notifications?limit=2&before=${before}`, {
        token: reader.token,
      });
      seen.push(...page.body.notifications);
      before = page.body.nextBefore;
    }
    const ids = seen.map((notification) => notification.id);
    expect(ids).toHaveLength(5);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('when a reader marks up to an id, then older ones are read; with no body, all are', async () => {
    const { reader } = await readerWithNotifications(3);
    const page = await call(testApp.app, 'GET', '/api/notifications', { token: reader.token });
    const middle = page.body.notifications[1].id;

    const partly = await call(testApp.app, 'POST', '/api/notifications/read', {
      token: reader.token,
      body: { upTo: middle },
    });
    expect(partly.body).toEqual({ unreadCount: 1 });

    const all = await call(testApp.app, 'POST', '/api/notifications/read', {
      token: reader.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ unreadCount: 0 });
    const after = await call(testApp.app, 'GET', '/api/notifications', { token: reader.token });
    expect(
      after.body.notifications.every(
        (notification: { readAt: string | null }) => notification.readAt !== null,
      ),
    ).toBe(true);
  });

  it('when someone else asks, then they see only their own (none), and without a token 401', async () => {
    await readerWithNotifications(1);
    const stranger = await registerUser(testApp.app);
    const response = await call(testApp.app, 'GET', '/api/notifications', {
      token: stranger.token,
    });
    expect(response.body).toEqual({ notifications: [], unreadCount: 0, nextBefore: null });
    expect((await call(testApp.app, 'GET', '/api/notifications')).status).toBe(401);
    expect(
      (await call(testApp.app, 'GET', '/api/notifications?before=0', { token: stranger.token }))
        .status,
    ).toBe(422);
  });
});
