// The whole path a user sees: an API process takes the write, a worker process picks up the
// outbox event, and the effects come back through the API: the article's sanitized HTML and
// one notification per follower, paged newest first and marked read.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type ApiProcess,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConduitClient, conduitClient } from './support/conduit-http.ts';
import { verifyFromWelcomeEmail } from './support/email-links.ts';
import { openTestQueues } from './support/test-queues.ts';
import { apiEnv, createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let stack: TestStack;
let api: ApiProcess;
let worker: WorkerProcess;
let conduit: ConduitClient;

beforeAll(async () => {
  stack = await createTestStack('publish');
  [api, worker] = await Promise.all([
    startApiProcess(apiEnv(stack)),
    startWorkerProcess(workerEnv(stack)),
  ]);
  conduit = conduitClient(api.baseUrl);
});
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await stack?.close();
});

describe('publishing an article', () => {
  it('when an author publishes markdown with a script in it, then the article is readable at once and its sanitized HTML follows', async () => {
    const author = await conduit.register('author');
    const body = [
      '# Hello',
      '',
      'Some **bold** text and [a link](https://example.com).',
      '',
      '<script>alert("pwned")</script>',
      '',
      '[click me](javascript:alert(1)) <img src=x onerror="alert(2)">',
    ].join('\n');

    const published = await conduit.publish(author, { body });
    expect(published.body).toBe(body);

    await expect
      .poll(async () => (await conduit.call('GET', `/api/articles/${published.slug}`)).body, {
        timeout: 15_000,
      })
      .toMatchObject({ article: { bodyHtml: expect.any(String) } });
    const { article } = (await conduit.call('GET', `/api/articles/${published.slug}`)).body;
    expect(article.bodyHtml).toContain('<h1>Hello</h1>');
    expect(article.bodyHtml).toContain('<strong>bold</strong>');
    expect(article.bodyHtml).toContain('href="https://example.com"');
    expect(article.bodyHtml).not.toMatch(/<script|alert\("pwned"\)|javascript:|onerror/);
    expect(article.readingTimeMinutes).toBe(1);
  });

  it('when an author with followers publishes, then each follower gets one notification per article, newest first, in keyset pages, and can mark them read', async () => {
    const author = await conduit.register('author');
    const followers = [await conduit.register('reader'), await conduit.register('reader')];
    const bystander = await conduit.register('bystander');
    for (const follower of followers) await conduit.follow(follower, author);

    const articles = [];
    for (let index = 0; index < 3; index++) articles.push(await conduit.publish(author));
    const slugs = articles.map((article) => article.slug).sort();

    const notificationsOf = async (token: string, query = '') =>
      (await conduit.call('GET', `/api/notifications${query}`, { token })).body;
    for (const follower of followers) {
      await expect
        .poll(async () => (await notificationsOf(follower.token)).unreadCount, {
          timeout: 15_000,
        })
        .toBe(3);
    }
    expect(await notificationsOf(bystander.token)).toEqual({
      notifications: [],
      unreadCount: 0,
      nextBefore: null,
    });

    const [reader] = followers as [(typeof followers)[0]];
    const firstPage = await notificationsOf(reader.token, '?limit=2');
    expect(firstPage.notifications).toHaveLength(2);
    expect(firstPage.nextBefore).toBe(firstPage.notifications[1].id);
    const secondPage = await notificationsOf(
      reader.token,
      `?limit=2&before=${firstPage.nextBefore}`,
    );
    expect(secondPage.notifications).toHaveLength(1);
    expect(secondPage.nextBefore).toBeNull();

    const all = [...firstPage.notifications, ...secondPage.notifications];
    const ids = all.map((notification: { id: number }) => notification.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(
      all.map((notification: { article: { slug: string } }) => notification.article.slug).sort(),
    ).toEqual(slugs);
    for (const notification of all) {
      expect(notification).toMatchObject({
        kind: 'article.published',
        readAt: null,
        actor: { username: author.username },
      });
    }

    const oldest = all.at(-1)!;
    const markOldest = await conduit.call('POST', '/api/notifications/read', {
      token: reader.token,
      body: { upTo: oldest.id },
    });
    expect(markOldest).toEqual({ status: 200, body: { unreadCount: 2 } });
    const markAll = await conduit.call('POST', '/api/notifications/read', {
      token: reader.token,
      body: {},
    });
    expect(markAll).toEqual({ status: 200, body: { unreadCount: 0 } });
    const afterwards = await notificationsOf(reader.token);
    expect(
      afterwards.notifications.every((n: { readAt: string | null }) => n.readAt !== null),
    ).toBe(true);

    // The other follower's notifications are theirs alone.
    expect((await notificationsOf(followers[1]!.token)).unreadCount).toBe(3);
  });

  it('when someone comments on an article, then its author gets one email about it, and none for their own comments', async () => {
    const author = await conduit.register('author');
    const reader = await conduit.register('reader');
    // Comment emails go only to verified addresses (email-verification.int.test.ts).
    await verifyFromWelcomeEmail(stack, conduit, author);
    const article = await conduit.publish(author, { title: `Commented ${author.username}` });
    const comment = async (user: typeof author, body: string) => {
      const response = await conduit.call('POST', `/api/articles/${article.slug}/comments`, {
        token: user.token,
        body: { comment: { body } },
      });
      expect(response.status).toBe(201);
      return response.body.comment.id as number;
    };
    const fromReader = await comment(reader, 'Great read!');
    const fromAuthor = await comment(author, 'Thanks!');

    const file = path.join(stack.emailDir, `new-comment-${fromReader}.eml`);
    await expect
      .poll(() => readFile(file, 'utf8').catch(() => ''), { timeout: 15_000 })
      .toContain('Great read!');
    const email = await readFile(file, 'utf8');
    expect(email).toContain(`To: ${author.username}@example.com`);
    expect(email).toContain(`${reader.username} wrote:`);
    expect(email).toContain(`/article/${article.slug}`);
    // The author's own comment made no email job at all (the jobs contract routes it to none),
    // once its event is delivered.
    const eventOf = async (commentId: number) => {
      const { rows } = await stack.sql.query<{ id: string; delivered: boolean }>(
        `SELECT id, delivered_at IS NOT NULL AS delivered FROM outbox_events
          WHERE type = 'comment.created' AND (payload->>'commentId')::int = $1`,
        [commentId],
      );
      return rows[0];
    };
    await expect.poll(async () => (await eventOf(fromAuthor))?.delivered).toBe(true);
    const queues = openTestQueues(stack);
    try {
      const event = await eventOf(fromAuthor);
      expect(await queues.job('send-email', `${event?.id}.send-email`)).toBeUndefined();
    } finally {
      await queues.close();
    }
    expect(await readdir(stack.emailDir)).not.toContain(`new-comment-${fromAuthor}.eml`);
  });
});
