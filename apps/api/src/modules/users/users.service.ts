// Registration, login and the current user's account. Each login or registration starts a
// session; every token of it carries its start and the user's token version (plugins/auth.ts).
// Changing the email or password needs the current password, or a session begun less than
// RECENT_AUTH_SECONDS ago (sudo mode), and revokes every older token. An address is verified
// by the link the worker emails (at registration, after a change, or when asked again).
// docs/security.md, "Accounts and tokens" and "Email verification".
import type { PrismaClient } from '@headroom/db/client';
import { withClientErrors } from '@headroom/db/prisma-errors';
import {
  ConflictError,
  ForbiddenError,
  UnauthorizedError,
  ValidationError,
} from '@headroom/errors/http-errors';
import { verificationDigest } from '@headroom/jobs/email-verification';
import type { Outbox } from '../../outbox.ts';
import type { TokenService, Viewer } from '../../plugins/auth.ts';
import type { PasswordHasher } from './passwords.ts';
import { usernameKey, usernameProblem } from './usernames.ts';
import type { User, UserChanges } from './users.schemas.ts';

type Db = Pick<PrismaClient, 'user' | '$queryRaw'>;

interface UserRow {
  id: number;
  email: string;
  username: string;
  bio: string | null;
  image: string | null;
  tokenVersion: number;
}

const userColumns = {
  id: true,
  email: true,
  username: true,
  bio: true,
  image: true,
  tokenVersion: true,
} as const;

/** The columns two accounts may not share, named by the 409 when another account has the value. */
const UNIQUE_USER_COLUMNS = ['email', 'username'];

/** Emails compare case-insensitively; they are stored lower-cased. */
const normalizeEmail = (email: string) => email.trim().toLowerCase();
/** An empty bio or image means "none", stored as null (what RealWorld clients expect back). */
const emptyToNull = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null || value.trim() === '' ? null : value;

function assertUsableUsername(username: string | undefined): void {
  const problem = username === undefined ? null : usernameProblem(username);
  if (problem) throw new ValidationError({ username: [problem] });
}

export function createUsersService(deps: {
  db: Db;
  outbox: Outbox;
  passwords: PasswordHasher;
  tokens: TokenService;
  /** A session younger than this may change email or password without the current one. */
  recentAuthSeconds: number;
  /** A new verification link may be asked for this long after the last one. */
  verificationResendIntervalSeconds: number;
}) {
  const { db, outbox, passwords, tokens } = deps;

  /** The user as RealWorld returns them, with a token of the session begun at `sessionStartedAt`. */
  async function toUser(row: UserRow, sessionStartedAt: number): Promise<User> {
    return {
      email: row.email,
      username: row.username,
      bio: row.bio,
      image: row.image,
      token: await tokens.issue({
        userId: row.id,
        sessionStartedAt,
        tokenVersion: row.tokenVersion,
      }),
    };
  }

  /** 409 naming each wanted value someone else has; usernames compare regardless of case. */
  async function assertAvailable(
    wanted: { email?: string | undefined; username?: string | undefined },
    exceptUserId = 0,
  ) {
    if (!(wanted.email || wanted.username)) return;
    const wantedKey = wanted.username === undefined ? null : usernameKey(wanted.username);
    // The expression is the users_username_lower_key index's, so the index serves it.
    const taken = await db.$queryRaw<{ email: string; username_key: string }[]>`
      SELECT email, lower(username COLLATE "und-x-icu") AS username_key FROM users
       WHERE (email = ${wanted.email ?? null} OR lower(username COLLATE "und-x-icu") = ${wantedKey})
         AND id <> ${exceptUserId}`;
    const fields = [
      ...(taken.some((user) => user.username_key === wantedKey) ? ['username'] : []),
      ...(taken.some((user) => user.email === wanted.email) ? ['email'] : []),
    ];
    if (fields.length > 0) throw new ConflictError(...fields);
  }

  /**
   * Whether this change may touch the email or password: with the right `currentPassword`, or
   * in a session begun less than recentAuthSeconds ago. Returns whether the password was
   * given and right (a fresh authentication, which starts a new session).
   */
  async function confirmSensitiveChange(
    viewer: Viewer,
    passwordHash: string,
    currentPassword: string | undefined,
  ): Promise<boolean> {
    if (currentPassword !== undefined) {
      // 403, not 401: the token is fine (a client must not sign out), this proof is not.
      if (!(await passwords.verify(passwordHash, currentPassword))) {
        throw new ForbiddenError('currentPassword', 'is wrong');
      }
      return true;
    }
    if (tokens.now() - viewer.sessionStartedAt < deps.recentAuthSeconds) return false;
    throw new ValidationError({
      currentPassword: ['is required to change the email or password'],
    });
  }

  return {
    async register(input: { username: string; email: string; password: string }): Promise<User> {
      const email = normalizeEmail(input.email);
      const { username } = input;
      assertUsableUsername(username);
      await assertAvailable({ email, username });
      const passwordHash = await passwords.hash(input.password);
      // A unique-constraint race gets the same 409 the up-front check gives.
      const user = await withClientErrors({ unique: UNIQUE_USER_COLUMNS }, () =>
        outbox.transaction(async (tx, record) => {
          // The welcome email carries the first verification link: that counts as asking.
          const created = await tx.user.create({
            data: { email, username, passwordHash, emailVerificationRequestedAt: new Date() },
            select: userColumns,
          });
          await record({ type: 'user.registered', payload: { userId: created.id } });
          return created;
        }),
      );
      return toUser(user, tokens.now());
    },

    async login(input: { email: string; password: string }): Promise<User> {
      const user = await db.user.findUnique({
        where: { email: normalizeEmail(input.email) },
        select: { ...userColumns, passwordHash: true },
      });
      const valid = await passwords.verify(user?.passwordHash ?? null, input.password);
      if (!user || !valid) throw UnauthorizedError.invalidCredentials();
      return toUser(user, tokens.now());
    },

    /**
     * The signed-in user, with a fresh token of the same session: it slides the idle timeout
     * (JWT_EXPIRES_IN_SECONDS) but expires with the session (SESSION_MAX_AGE_SECONDS).
     */
    async current(viewer: Viewer): Promise<User> {
      const user = await db.user.findUnique({ where: { id: viewer.userId }, select: userColumns });
      // A valid token for a deleted account is no longer a credential.
      if (!user) throw UnauthorizedError.invalidToken();
      return toUser(user, viewer.sessionStartedAt);
    },

    async update(viewer: Viewer, changes: UserChanges): Promise<User> {
      const userId = viewer.userId;
      const email = changes.email === undefined ? undefined : normalizeEmail(changes.email);
      const { username } = changes;
      assertUsableUsername(username);
      const before = await db.user.findUnique({
        where: { id: userId },
        select: { email: true, username: true, passwordHash: true },
      });
      // Deleted since the token was issued: as in `current`, the token no longer counts.
      if (!before) throw UnauthorizedError.invalidToken();
      const emailChanges = email !== undefined && email !== before.email;
      const sensitive = emailChanges || changes.password !== undefined;
      const reauthenticated = sensitive
        ? await confirmSensitiveChange(viewer, before.passwordHash, changes.currentPassword)
        : false;
      await assertAvailable({ email, username }, userId);
      const passwordHash =
        changes.password === undefined ? undefined : await passwords.hash(changes.password);
      const requestedAt = new Date();
      // As at registration, a unique-constraint race is the up-front check's 409; an account
      // deleted in between makes the token void, as above.
      const expectedRaces = {
        unique: UNIQUE_USER_COLUMNS,
        vanished: 'user',
        vanishedMeans: UnauthorizedError.invalidToken,
      };
      const user = await withClientErrors(expectedRaces, () =>
        outbox.transaction(async (tx, record) => {
          const updated = await tx.user.update({
            where: { id: userId },
            data: {
              email,
              username,
              passwordHash,
              bio: emptyToNull(changes.bio),
              image: emptyToNull(changes.image),
              // Every token issued before this change is refused from now on.
              ...(sensitive && { tokenVersion: { increment: 1 } }),
              // A new address is unverified, and a link sent to the old one no longer counts.
              ...(emailChanges && {
                emailVerifiedAt: null,
                emailVerificationDigest: null,
                emailVerificationExpiresAt: null,
                emailVerificationRequestedAt: requestedAt,
              }),
            },
            select: userColumns,
          });
          await record({
            type: 'user.updated',
            payload: {
              userId,
              ...(updated.username !== before.username && { previousUsername: before.username }),
            },
          });
          if (emailChanges) {
            await record({
              type: 'user.email-verification-requested',
              payload: { userId, requestedAt: requestedAt.getTime() },
            });
          }
          return updated;
        }),
      );
      // The current password just typed starts a new session; otherwise this one continues.
      return toUser(user, reauthenticated ? tokens.now() : viewer.sessionStartedAt);
    },

    /**
     * Marks the address whose pending link carries `token` verified. The link works once, and
     * only while unexpired and not replaced by a newer one; anything else is a 422.
     */
    async verifyEmail(token: string): Promise<void> {
      const digest = verificationDigest(token);
      const verified = await outbox.transaction(async (tx, record) => {
        const rows = await tx.$queryRaw<{ id: number }[]>`
          UPDATE users SET email_verified_at = now(), email_verification_digest = NULL,
                           email_verification_expires_at = NULL
           WHERE email_verification_digest = ${digest} AND email_verification_expires_at > now()
          RETURNING id`;
        const userId = rows[0]?.id;
        if (userId === undefined) return false;
        await record({ type: 'user.email-verified', payload: { userId } });
        return true;
      });
      if (!verified) throw new ValidationError({ token: ['is invalid or has expired'] });
    },

    /**
     * Asks the worker for a new verification link, at most once per resend interval per user:
     * 'requested', 'verified' (nothing to do), or the seconds to wait before asking again.
     */
    async requestVerification(
      userId: number,
    ): Promise<'requested' | 'verified' | { retryAfterSeconds: number }> {
      const requestedAt = new Date();
      const interval = deps.verificationResendIntervalSeconds;
      const requested = await outbox.transaction(async (tx, record) => {
        const rows = await tx.$queryRaw<{ id: number }[]>`
          UPDATE users SET email_verification_requested_at = ${requestedAt}
           WHERE id = ${userId} AND email_verified_at IS NULL
             AND (email_verification_requested_at IS NULL
                  OR email_verification_requested_at <= ${requestedAt}::timestamptz - make_interval(secs => ${interval}))
          RETURNING id`;
        if (rows.length === 0) return false;
        await record({
          type: 'user.email-verification-requested',
          payload: { userId, requestedAt: requestedAt.getTime() },
        });
        return true;
      });
      if (requested) return 'requested';
      const user = await db.user.findUnique({
        where: { id: userId },
        select: { emailVerifiedAt: true, emailVerificationRequestedAt: true },
      });
      if (!user) throw UnauthorizedError.invalidToken();
      if (user.emailVerifiedAt) return 'verified';
      const last = user.emailVerificationRequestedAt?.getTime() ?? requestedAt.getTime();
      const waitMs = last + interval * 1000 - requestedAt.getTime();
      return { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
