// The table from database errors to client errors (clientErrorRules in src/prisma-errors.ts),
// fed with errors that Prisma really raises through @prisma/adapter-pg against a migrated
// Postgres of this file's own: each race a service guards against, the values the database
// refuses, and the near misses that must stay server errors (a 500 with the error logged).
import {
  ClientError,
  type ErrorBody,
  statusOf,
  UnauthorizedError,
} from '@headroom/errors/http-errors';
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../src/client.ts';
import { applyMigrations } from '../src/migrate.ts';
import {
  clientErrorOf,
  type ExpectedErrors,
  isDatabaseUnavailableError,
  withClientErrors,
} from '../src/prisma-errors.ts';

let database: ScratchDatabase;
let db: PrismaClient;
/** Rows the failing statements below collide with, and ids of rows deleted before they run. */
let alice: { id: number; email: string; username: string };
let taken: { articleId: number; slug: string };
let deleted: { userId: number; articleId: number; commentId: number };

beforeAll(async () => {
  database = await createScratchDatabase(inject('adminDatabaseUrl'), 'client_errors');
  await applyMigrations({ databaseUrl: database.url });
  db = createPrismaClient({ databaseUrl: database.url, maxConnections: 2 });
  alice = await db.user.create({
    data: { email: 'alice@example.com', username: 'Alice', passwordHash: 'x' },
    select: { id: true, email: true, username: true },
  });
  const article = await db.article.create({
    data: { slug: 'taken', title: 'Taken', description: 'd', body: 'b', authorId: alice.id },
  });
  taken = { articleId: article.id, slug: article.slug };
  const gone = await db.user.create({
    data: { email: 'gone@example.com', username: 'gone', passwordHash: 'x' },
  });
  const goneArticle = await db.article.create({
    data: { slug: 'gone', title: 'Gone', description: 'd', body: 'b', authorId: alice.id },
  });
  const goneComment = await db.comment.create({
    data: { body: 'c', articleId: article.id, authorId: alice.id },
  });
  await db.comment.delete({ where: { id: goneComment.id } });
  await db.article.delete({ where: { id: goneArticle.id } });
  await db.user.delete({ where: { id: gone.id } });
  deleted = { userId: gone.id, articleId: goneArticle.id, commentId: goneComment.id };
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

/** The error `statement` fails with; a statement that succeeds fails the test. */
async function failureOf(statement: () => Promise<unknown>): Promise<unknown> {
  return statement().then(
    () => expect.fail('the statement was expected to fail'),
    (error: unknown) => error,
  );
}

const UNIQUE_USER_COLUMNS = ['email', 'username'];

/** `answer`: what the client gets (status and RealWorld body), or a server error when unmapped. */
const cases: {
  when: string;
  expected: ExpectedErrors;
  statement: () => Promise<unknown>;
  answer: { status: number; body: ErrorBody } | 'server error';
}[] = [
  {
    when: 'an account is created with an email another has',
    expected: { unique: UNIQUE_USER_COLUMNS },
    statement: () =>
      db.user.create({ data: { email: alice.email, username: 'other', passwordHash: 'x' } }),
    answer: { status: 409, body: { errors: { email: ['has already been taken'] } } },
  },
  {
    when: 'an account is created with a username another has in other case',
    expected: { unique: UNIQUE_USER_COLUMNS },
    statement: () =>
      db.user.create({ data: { email: 'new@example.com', username: 'ALICE', passwordHash: 'x' } }),
    answer: { status: 409, body: { errors: { username: ['has already been taken'] } } },
  },
  {
    when: 'an article is created with a slug another has',
    expected: { unique: ['slug'] },
    statement: () =>
      db.article.create({
        data: { slug: taken.slug, title: 't', description: 'd', body: 'b', authorId: alice.id },
      }),
    answer: { status: 409, body: { errors: { slug: ['has already been taken'] } } },
  },
  {
    when: 'a unique value is taken in a column the write did not name',
    expected: { unique: ['username'] },
    statement: () =>
      db.user.create({ data: { email: alice.email, username: 'other', passwordHash: 'x' } }),
    answer: 'server error',
  },
  {
    when: 'an update finds its article deleted',
    expected: { vanished: 'article' },
    statement: () =>
      db.article.update({ where: { id: deleted.articleId }, data: { title: 'Renamed' } }),
    answer: { status: 404, body: { errors: { article: ['not found'] } } },
  },
  {
    when: 'a delete finds its comment deleted',
    expected: { vanished: 'comment' },
    statement: () => db.comment.delete({ where: { id: deleted.commentId } }),
    answer: { status: 404, body: { errors: { comment: ['not found'] } } },
  },
  {
    when: 'a favorite points at an article deleted meanwhile',
    expected: { vanished: 'article' },
    statement: () =>
      db.favorite.createMany({
        data: [{ userId: alice.id, articleId: deleted.articleId }],
        skipDuplicates: true,
      }),
    answer: { status: 404, body: { errors: { article: ['not found'] } } },
  },
  {
    when: 'a raw insert of a comment points at an article deleted meanwhile',
    expected: { vanished: 'article' },
    statement: () =>
      db.$queryRaw`INSERT INTO comments (body, article_id, author_id, updated_at)
                   VALUES ('c', ${deleted.articleId}, ${alice.id}, now()) RETURNING id`,
    answer: { status: 404, body: { errors: { article: ['not found'] } } },
  },
  {
    when: 'a write points at another vanished row than the one it names',
    expected: { vanished: 'article' },
    statement: () =>
      db.comment.create({
        data: { body: 'c', articleId: taken.articleId, authorId: deleted.userId },
      }),
    answer: 'server error',
  },
  {
    when: "the viewer's own account is deleted before its update",
    expected: { vanished: 'user', vanishedMeans: UnauthorizedError.invalidToken },
    statement: () => db.user.update({ where: { id: deleted.userId }, data: { bio: 'b' } }),
    answer: { status: 401, body: { errors: { token: ['is invalid'] } } },
  },
  {
    when: 'text holds U+0000',
    expected: {},
    statement: () =>
      db.article.create({
        data: { slug: 'nul', title: 'a\u0000b', description: 'd', body: 'b', authorId: alice.id },
      }),
    answer: {
      status: 422,
      body: { errors: { request: ['contains a value the database cannot store'] } },
    },
  },
  {
    when: 'an id is beyond its integer column',
    expected: {},
    statement: () => db.notification.findFirst({ where: { id: 2 ** 31 } }),
    answer: {
      status: 422,
      body: { errors: { request: ['contains a value the database cannot store'] } },
    },
  },
];

describe('clientErrorOf, with errors from a real database', () => {
  it.each(cases)(
    'when $when, then the client gets $answer',
    async ({ expected, statement, answer }) => {
      const error = await failureOf(statement);
      const clientError = clientErrorOf(error, expected);
      if (answer === 'server error') {
        expect(clientError).toBeUndefined();
        expect(isDatabaseUnavailableError(error)).toBe(false);
        return;
      }
      expect(clientError && { status: statusOf(clientError), body: clientError.toBody() }).toEqual(
        answer,
      );
    },
  );
});

describe('withClientErrors', () => {
  it('when the write fails as expected, then it throws the client error in its place', async () => {
    const write = withClientErrors({ vanished: 'article' }, () =>
      db.article.delete({ where: { id: deleted.articleId } }),
    );
    await expect(write).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('when the database refuses a value, then it rethrows it for the error handler to log', async () => {
    const nul = () =>
      db.article.update({ where: { slug: taken.slug }, data: { body: 'a\u0000b' } });
    const rethrown = await failureOf(() => withClientErrors({ vanished: 'article' }, nul));
    expect(rethrown).not.toBeInstanceOf(ClientError);
    expect(clientErrorOf(rethrown)?.toBody()).toEqual({
      errors: { request: ['contains a value the database cannot store'] },
    });
  });

  it('when the write succeeds, then its result is returned', async () => {
    const count = withClientErrors({ unique: ['slug'] }, () => db.article.count());
    await expect(count).resolves.toBe(1);
  });
});
