// Registration, login and the current user's account.
import type { PrismaClient } from '@headroom/db/client';
import { isRecordNotFound, isUniqueViolation } from '@headroom/db/prisma-errors';
import { ConflictError, UnauthorizedError } from '@headroom/errors/http-errors';
import type { Outbox } from '../../outbox.ts';
import type { TokenService } from '../../plugins/auth.ts';
import type { PasswordHasher } from './passwords.ts';
import type { User, UserChanges } from './users.schemas.ts';

type Db = Pick<PrismaClient, 'user'>;

interface UserRow {
  id: number;
  email: string;
  username: string;
  bio: string | null;
  image: string | null;
}

const userColumns = { id: true, email: true, username: true, bio: true, image: true } as const;

/** Emails compare case-insensitively; they are stored lower-cased. */
const normalizeEmail = (email: string) => email.trim().toLowerCase();
/** An empty bio or image means "none", stored as null (what RealWorld clients expect back). */
const emptyToNull = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null || value.trim() === '' ? null : value;

export function createUsersService(deps: {
  db: Db;
  outbox: Outbox;
  passwords: PasswordHasher;
  tokens: TokenService;
}) {
  const { db, outbox, passwords, tokens } = deps;

  async function toUser(row: UserRow): Promise<User> {
    return {
      email: row.email,
      username: row.username,
      bio: row.bio,
      image: row.image,
      token: await tokens.issue(row.id),
    };
  }

  /** Turns a unique-constraint race into the same 409 the up-front check gives. */
  async function guardUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const fields = ['email', 'username'].filter((field) => isUniqueViolation(error, field));
      if (fields.length > 0) throw new ConflictError(...fields);
      throw error;
    }
  }

  async function assertAvailable(
    wanted: { email?: string | undefined; username?: string | undefined },
    exceptUserId?: number,
  ) {
    const or = [
      ...(wanted.email ? [{ email: wanted.email }] : []),
      ...(wanted.username ? [{ username: wanted.username }] : []),
    ];
    if (or.length === 0) return;
    const taken = await db.user.findMany({
      where: { OR: or, ...(exceptUserId ? { NOT: { id: exceptUserId } } : {}) },
      select: { email: true, username: true },
    });
    const fields = [
      ...(taken.some((user) => user.username === wanted.username) ? ['username'] : []),
      ...(taken.some((user) => user.email === wanted.email) ? ['email'] : []),
    ];
    if (fields.length > 0) throw new ConflictError(...fields);
  }

  return {
    async register(input: { username: string; email: string; password: string }): Promise<User> {
      const email = normalizeEmail(input.email);
      const { username } = input;
      await assertAvailable({ email, username });
      const passwordHash = await passwords.hash(input.password);
      const user = await guardUnique(() =>
        outbox.transaction(async (tx, record) => {
          const created = await tx.user.create({
            data: { email, username, passwordHash },
            select: userColumns,
          });
          await record({ type: 'user.registered', payload: { userId: created.id } });
          return created;
        }),
      );
      return toUser(user);
    },

    async login(input: { email: string; password: string }): Promise<User> {
      const user = await db.user.findUnique({
        where: { email: normalizeEmail(input.email) },
        select: { ...userColumns, passwordHash: true },
      });
      const valid = await passwords.verify(user?.passwordHash ?? null, input.password);
      if (!user || !valid) throw UnauthorizedError.invalidCredentials();
      return toUser(user);
    },

    async current(userId: number): Promise<User> {
      const user = await db.user.findUnique({ where: { id: userId }, select: userColumns });
      // A valid token for a deleted account is no longer a credential.
      if (!user) throw UnauthorizedError.invalidToken();
      return toUser(user);
    },

    async update(userId: number, changes: UserChanges): Promise<User> {
      const email = changes.email === undefined ? undefined : normalizeEmail(changes.email);
      const { username } = changes;
      await assertAvailable({ email, username }, userId);
      const passwordHash =
        changes.password === undefined ? undefined : await passwords.hash(changes.password);
      const user = await guardUnique(() =>
        outbox.transaction(async (tx, record) => {
          const before = await tx.user.findUnique({
            where: { id: userId },
            select: { username: true },
          });
          // Deleted since the token was issued: as in `current`, the token no longer counts.
          if (!before) throw UnauthorizedError.invalidToken();
          const updated = await tx.user
            .update({
              where: { id: userId },
              data: {
                email,
                username,
                passwordHash,
                bio: emptyToNull(changes.bio),
                image: emptyToNull(changes.image),
              },
              select: userColumns,
            })
            .catch((error: unknown) => {
              // Deleted in between: the same answer as above.
              if (isRecordNotFound(error)) throw UnauthorizedError.invalidToken();
              throw error;
            });
          await record({
            type: 'user.updated',
            payload: {
              userId,
              ...(updated.username !== before.username && { previousUsername: before.username }),
            },
          });
          return updated;
        }),
      );
      return toUser(user);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
