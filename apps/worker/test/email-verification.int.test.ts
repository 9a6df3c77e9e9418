// Email verification through real processes: the worker emails a link at registration and
// after an email change, the API verifies the address when the link's token comes back, and
// a comment on an article emails its author only once the author's address is verified.
import { readdir } from 'node:fs/promises';
import {
  type ApiProcess,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConduitClient, conduitClient } from './support/conduit-http.ts';
import {
  emailWithKey,
  linkToken,
  userIdOf,
  verifyFromWelcomeEmail,
} from './support/email-links.ts';
import { apiEnv, createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let stack: TestStack;
let api: ApiProcess;
let worker: WorkerProcess;
let conduit: ConduitClient;

beforeAll(async () => {
  stack = await createTestStack('verify');
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

const verifiedAt = async (userId: number) =>
  (await stack.sql.query('SELECT email_verified_at FROM users WHERE id = $1', [userId])).rows[0]
    .email_verified_at;

describe('email verification', () => {
  it('when a user follows the link in their welcome email, then their address is verified', async () => {
    const user = await conduit.register('welcomed');
    const userId = await userIdOf(stack, user);
    const email = await emailWithKey(stack, `welcome-${userId}`);
    expect(email).toContain(`To: ${user.username}@example.com`);
    expect(await verifiedAt(userId)).toBeNull();

    const response = await conduit.call('POST', '/api/users/verify', {
      body: { token: linkToken(email) },
    });
    expect(response.status).toBe(204);
    expect(await verifiedAt(userId)).toBeInstanceOf(Date);
  });

  it('when someone comments on an unverified author’s article, then no email goes out; once verified, one does', async () => {
    const author = await conduit.register('unverified');
    const reader = await conduit.register('commenter');
    // Two articles: comment emails are deduplicated per article for a while (COMMENT_EMAIL_WINDOW_SECONDS).
    const [first, second] = [await conduit.publish(author), await conduit.publish(author)];
    const comment = async (article: { slug: string }, body: string) => {
      const response = await conduit.call('POST', `/api/articles/${article.slug}/comments`, {
        token: reader.token,
        body: { comment: { body } },
      });
      expect(response.status).toBe(201);
      return response.body.comment.id as number;
    };

    const before = await comment(first, 'Before you verified');
    await expect
      .poll(() => worker.output().includes(`"commentId":${before}},"msg":"nothing to send"`), {
        timeout: 15_000,
      })
      .toBe(true);
    expect(await readdir(stack.emailDir)).not.toContain(`new-comment-${before}.eml`);

    await verifyFromWelcomeEmail(stack, conduit, author);
    const after = await comment(second, 'After you verified');
    expect(await emailWithKey(stack, `new-comment-${after}`)).toContain('After you verified');
  });

  it('when a verified user changes their email, then the new address gets its own link and must be verified again', async () => {
    const user = await conduit.register('mover');
    const userId = await userIdOf(stack, user);
    await verifyFromWelcomeEmail(stack, conduit, user);

    const newEmail = `moved-${user.username}@example.com`;
    const changed = await conduit.call('PUT', '/api/user', {
      token: user.token,
      body: { user: { email: newEmail } },
    });
    expect(changed.status).toBe(200);
    expect(await verifiedAt(userId)).toBeNull();

    const { rows } = await stack.sql.query(
      `SELECT payload->>'requestedAt' AS "requestedAt" FROM outbox_events
        WHERE type = 'user.email-verification-requested' AND (payload->>'userId')::int = $1`,
      [userId],
    );
    const email = await emailWithKey(stack, `verify-email-${userId}-${rows[0].requestedAt}`);
    expect(email).toContain(`To: ${newEmail}`);
    const response = await conduit.call('POST', '/api/users/verify', {
      body: { token: linkToken(email) },
    });
    expect(response.status).toBe(204);
    expect(await verifiedAt(userId)).toBeInstanceOf(Date);
  });
});
