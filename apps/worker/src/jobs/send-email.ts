// send-email: a welcome email on registration (with the first link to verify the address), a
// new verification link when the address changes or its owner asks again, and an email to an
// article's author for each comment someone else writes, only if that author's address is
// verified. Delivery is recorded in email_deliveries under a key derived from what the email
// is about, checked before anything is prepared: a re-delivered job sends nothing and leaves
// the link already sent working. (If the process dies between sending and recording, the retry
// sends again, with a new link that replaces the first: at-least-once, the best an external
// side effect allows without the provider's own idempotency keys.)
// The rate limit is on the queue (see run-workers.ts), so a burst cannot flood the SMTP server.
import type { PrismaClient } from '@headroom/db/client';
import type { JobPayload } from '@headroom/jobs/contract';
import { EMAIL_VERIFICATION_PATH, newVerificationToken } from '@headroom/jobs/email-verification';
import { defineJob } from '../job-registry.ts';
import type { Mailer, OutgoingEmail } from '../mailer.ts';

type Db = Pick<PrismaClient, 'user' | 'comment' | 'emailDelivery'>;

/**
 * How long a verification link works. A day covers "read it tomorrow morning"; an older one
 * is refused and its owner asks for another (POST /api/user/verification).
 */
export const EMAIL_VERIFICATION_LINK_TTL_SECONDS = 24 * 3600;

/** An email ready but for its link, which is made only once the email is known not to be sent. */
interface Draft {
  key: string;
  to: string;
  subject: string;
  text: (link: string) => string;
  /** Whose verification link goes in it, if any. */
  verifies?: number;
}

export function createSendEmailJob(deps: { db: Db; mailer: Mailer; publicUrl: string }) {
  const { db, mailer, publicUrl } = deps;

  async function draft(payload: JobPayload<'send-email'>): Promise<Draft | null> {
    if (payload.template === 'welcome' || payload.template === 'verify-email') {
      const user = await db.user.findUnique({
        where: { id: payload.userId },
        select: { email: true, username: true, emailVerifiedAt: true },
      });
      if (!user) return null;
      if (payload.template === 'welcome') {
        return {
          key: `welcome-${payload.userId}`,
          to: user.email,
          subject: 'Welcome to Conduit',
          verifies: payload.userId,
          text: (link) =>
            `Hi ${user.username},\n\nWelcome to Conduit. Please confirm this is your address:\n${link}\n\nThen write your first article: ${publicUrl}/editor\n`,
        };
      }
      // Verified since it was asked for: nothing left to confirm.
      if (user.emailVerifiedAt) return null;
      return {
        key: `verify-email-${payload.userId}-${payload.requestedAt}`,
        to: user.email,
        subject: 'Confirm your email address',
        verifies: payload.userId,
        text: (link) =>
          `Hi ${user.username},\n\nPlease confirm this is your address for Conduit:\n${link}\n\nThe link works for a day. If you did not ask for it, ignore this email.\n`,
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
            author: { select: { email: true, username: true, emailVerifiedAt: true } },
          },
        },
      },
    });
    // Deleted since, or a comment on one's own article: nobody to tell.
    if (!comment || comment.authorId === comment.article.authorId) return null;
    // An address nobody confirmed may not be its owner's: never mail it what others write.
    if (!comment.article.author.emailVerifiedAt) return null;
    return {
      key: `new-comment-${payload.commentId}`,
      to: comment.article.author.email,
      subject: `${comment.author.username} commented on "${comment.article.title}"`,
      text: () =>
        `Hi ${comment.article.author.username},\n\n${comment.author.username} wrote:\n\n${comment.body}\n\n${publicUrl}/article/${comment.article.slug}\n`,
    };
  }

  /** A new link for the user; its digest replaces any earlier link's. */
  async function verificationLink(userId: number): Promise<string> {
    const { token, digest } = newVerificationToken();
    await db.user.update({
      where: { id: userId },
      data: {
        emailVerificationDigest: digest,
        emailVerificationExpiresAt: new Date(
          Date.now() + EMAIL_VERIFICATION_LINK_TTL_SECONDS * 1000,
        ),
      },
    });
    return `${publicUrl}${EMAIL_VERIFICATION_PATH}?token=${token}`;
  }

  return defineJob('send-email', async ({ payload, log }) => {
    const prepared = await draft(payload);
    if (!prepared) {
      log.info({ payload }, 'nothing to send');
      return;
    }
    const already = await db.emailDelivery.findUnique({
      where: { key: prepared.key },
      select: { key: true },
    });
    if (already) {
      log.info({ key: prepared.key }, 'email already sent');
      return;
    }
    const link = prepared.verifies === undefined ? '' : await verificationLink(prepared.verifies);
    const email: OutgoingEmail = {
      key: prepared.key,
      to: prepared.to,
      subject: prepared.subject,
      text: prepared.text(link),
    };
    await mailer.send(email);
    await db.emailDelivery.createMany({ data: [{ key: email.key }], skipDuplicates: true });
  });
}
