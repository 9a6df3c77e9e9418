// send-email: a welcome email on registration, and an email to an article's author for each
// comment someone else writes. Delivery is recorded in email_deliveries under a key derived
// from what the email is about, checked before sending: a re-delivered job sends nothing.
// (If the process dies between sending and recording, the retry sends again: at-least-once,
// the best an external side effect allows without the provider's own idempotency keys.)
// The rate limit is on the queue (see run-workers.ts), so a burst cannot flood the SMTP server.
import type { PrismaClient } from '@headroom/db/client';
import type { JobPayload } from '@headroom/jobs/contract';
import { defineJob } from '../job-registry.ts';
import type { Mailer, OutgoingEmail } from './mailer.ts';

type Db = Pick<PrismaClient, 'user' | 'comment' | 'emailDelivery'>;

export function createSendEmailJob(deps: { db: Db; mailer: Mailer; publicUrl: string }) {
  const { db, mailer, publicUrl } = deps;

  async function compose(payload: JobPayload<'send-email'>): Promise<OutgoingEmail | null> {
    if (payload.template === 'welcome') {
      const user = await db.user.findUnique({
        where: { id: payload.userId },
        select: { email: true, username: true },
      });
      if (!user) return null;
      return {
        key: `welcome-${payload.userId}`,
        to: user.email,
        subject: 'Welcome to Conduit',
        text: `Hi ${user.username},\n\nWelcome to Conduit. Write your first article: ${publicUrl}/editor\n`,
      };
    }
    const comment = await db.comment.findUnique({
      where: { id: payload.commentId },
      select: {
        body: true,
        authorId: true,
        author: { select: { username: true } },
        article: {
          select: {
            slug: true,
            title: true,
            authorId: true,
            author: { select: { email: true, username: true } },
          },
        },
      },
    });
    // Deleted since, or a comment on one's own article: nobody to tell.
    if (!comment || comment.authorId === comment.article.authorId) return null;
    return {
      key: `new-comment-${payload.commentId}`,
      to: comment.article.author.email,
      subject: `${comment.author.username} commented on "${comment.article.title}"`,
      text: `Hi ${comment.article.author.username},\n\n${comment.author.username} wrote:\n\n${comment.body}\n\n${publicUrl}/article/${comment.article.slug}\n`,
    };
  }

  return defineJob('send-email', async ({ payload, log }) => {
    const email = await compose(payload);
    if (!email) {
      log.info({ payload }, 'nothing to send');
      return;
    }
    const already = await db.emailDelivery.findUnique({
      where: { key: email.key },
      select: { key: true },
    });
    if (already) {
      log.info({ key: email.key }, 'email already sent');
      return;
    }
    await mailer.send(email);
    await db.emailDelivery.createMany({ data: [{ key: email.key }], skipDuplicates: true });
  });
}
