// Every accepted write records its domain event in the same transaction; a refused write
// records none. (What happens to the events next is the worker's: apps/worker/test.)
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

async function eventsAbout(predicate: (payload: Record<string, unknown>) => boolean) {
  const events = await db.outboxEvent.findMany({ orderBy: { createdAt: 'asc' } });
  return events
    .filter((event) => predicate(event.payload as Record<string, unknown>))
    .map((event) => ({ type: event.type, payload: event.payload }));
}

async function userId(username: string): Promise<number> {
  return (await db.user.findUniqueOrThrow({ where: { username }, select: { id: true } })).id;
}

describe('the transactional outbox, API side', () => {
  it('when a user registers, then exactly one user.registered event names them', async () => {
    const user = await registerUser(testApp.app);
    const id = await userId(user.username);
    expect(await eventsAbout((payload) => payload.userId === id)).toEqual([
      { type: 'user.registered', payload: { userId: id } },
    ]);
  });

  it('when registration is refused (409), then no event is recorded', async () => {
    const user = await registerUser(testApp.app);
    const before = await db.outboxEvent.count();
    const refused = await call(testApp.app, 'POST', '/api/users', {
      body: {
        user: { username: user.username, email: 'other@example.com', password: 'password123' },
      },
    });
    expect(refused.status).toBe(409);
    expect(await db.outboxEvent.count()).toBe(before);
  });

  it('when an article is published, updated and deleted, then one event each, in order', async () => {
    const author = await registerUser(testApp.app);
    const authorId = await userId(author.username);
    const article = await createArticle(testApp.app, author.token, { tagList: ['one'] });
    const { id: articleId } = await db.article.findUniqueOrThrow({
      where: { slug: article.slug },
      select: { id: true },
    });
    await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
      token: author.token,
      body: { article: { body: 'changed' } },
    });
    await call(testApp.app, 'PUT', `/api/articles/${article.slug}`, {
      token: author.token,
      body: { article: { title: 'A new title', tagList: ['two'] } },
    });
    const { slug } = await db.article.findUniqueOrThrow({ where: { id: articleId } });
    await call(testApp.app, 'DELETE', `/api/articles/${slug}`, { token: author.token });

    // What each event's cache invalidation needs travels with it (docs/caching.md).
    expect(await eventsAbout((payload) => payload.articleId === articleId)).toEqual([
      { type: 'article.published', payload: { articleId, authorId, tags: ['one'] } },
      { type: 'article.updated', payload: { articleId, authorId } },
      {
        type: 'article.updated',
        payload: { articleId, authorId, previousSlug: article.slug, tagsChanged: ['one', 'two'] },
      },
      { type: 'article.deleted', payload: { articleId, slug, authorId, tags: ['two'] } },
    ]);
  });

  it('when a comment is written, then comment.created carries its ids', async () => {
    const author = await registerUser(testApp.app);
    const reader = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const comment = await call(testApp.app, 'POST', `/api/articles/${article.slug}/comments`, {
      token: reader.token,
      body: { comment: { body: 'Hello' } },
    });
    const commentId = comment.body.comment.id;
    expect(await eventsAbout((payload) => payload.commentId === commentId)).toEqual([
      {
        type: 'comment.created',
        payload: {
          commentId,
          articleId: expect.any(Number),
          authorId: await userId(reader.username),
          // Whom the comment emails: own comments make no email job.
          articleAuthorId: await userId(author.username),
        },
      },
    ]);
  });

  it('when a reader favorites or unfavorites twice, then only the first of each is an event', async () => {
    const author = await registerUser(testApp.app);
    const reader = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const url = `/api/articles/${article.slug}/favorite`;
    for (const method of ['POST', 'POST', 'DELETE', 'DELETE'] as const) {
      await call(testApp.app, method, url, { token: reader.token });
    }
    const readerId = await userId(reader.username);
    expect(await eventsAbout((payload) => payload.userId === readerId)).toEqual([
      { type: 'user.registered', payload: { userId: readerId } },
      { type: 'article.favorited', payload: { articleId: expect.any(Number), userId: readerId } },
      { type: 'article.unfavorited', payload: { articleId: expect.any(Number), userId: readerId } },
    ]);
  });

  it('when a comment is deleted, then comment.deleted carries its ids', async () => {
    const author = await registerUser(testApp.app);
    const article = await createArticle(testApp.app, author.token);
    const comment = await call(testApp.app, 'POST', `/api/articles/${article.slug}/comments`, {
      token: author.token,
      body: { comment: { body: 'Hello' } },
    });
    const commentId = comment.body.comment.id;
    await call(testApp.app, 'DELETE', `/api/articles/${article.slug}/comments/${commentId}`, {
      token: author.token,
    });
    expect(
      (await eventsAbout((payload) => payload.commentId === commentId)).map((event) => event.type),
    ).toEqual(['comment.created', 'comment.deleted']);
  });

  it('when a user changes their username and then their bio, then each change is user.updated, the first with the old name', async () => {
    const user = await registerUser(testApp.app);
    const id = await userId(user.username);
    const renamed = `${user.username}x`;
    await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { username: renamed } },
    });
    await call(testApp.app, 'PUT', '/api/user', {
      token: user.token,
      body: { user: { bio: 'hi' } },
    });
    expect(await eventsAbout((payload) => payload.userId === id)).toEqual([
      { type: 'user.registered', payload: { userId: id } },
      { type: 'user.updated', payload: { userId: id, previousUsername: user.username } },
      { type: 'user.updated', payload: { userId: id } },
    ]);
  });

  it('when a user follows twice, then only the first follow is an event', async () => {
    const fan = await registerUser(testApp.app);
    const celeb = await registerUser(testApp.app);
    for (let time = 0; time < 2; time++) {
      await call(testApp.app, 'POST', `/api/profiles/${celeb.username}/follow`, {
        token: fan.token,
      });
    }
    const followingId = await userId(celeb.username);
    expect(await eventsAbout((payload) => payload.followingId === followingId)).toEqual([
      { type: 'user.followed', payload: { followerId: await userId(fan.username), followingId } },
    ]);
  });

  it('when a user unfollows twice, then only the first unfollow is an event', async () => {
    const fan = await registerUser(testApp.app);
    const celeb = await registerUser(testApp.app);
    const url = `/api/profiles/${celeb.username}/follow`;
    for (const method of ['POST', 'DELETE', 'DELETE'] as const) {
      await call(testApp.app, method, url, { token: fan.token });
    }
    const followingId = await userId(celeb.username);
    expect(
      (await eventsAbout((payload) => payload.followingId === followingId)).map((e) => e.type),
    ).toEqual(['user.followed', 'user.unfollowed']);
  });
});
