// The counters the triggers keep (prisma/migrations/*_counters, docs/database.md#counts), written
// through the Prisma client the API uses, against a migrated database of this file's own: each
// counter after each kind of write, after the cascades of deleting a user or an article, under
// concurrent favorites of one article, and after the seed.
import { setTimeout as delay } from 'node:timers/promises';
import { createScratchDatabase, type ScratchDatabase } from '@headroom/testing/scratch-database';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../src/client.ts';
import { COUNTER_DRIFT_SQL, RECOMPUTE_COUNTERS_SQL } from '../src/counters.ts';
import { applyMigrations } from '../src/migrate.ts';
import { seedDatabase } from '../src/seed.ts';

/** Connections in the pool: enough for every concurrent session below to hold its own. */
const POOL_SIZE = 24;

let database: ScratchDatabase;
let db: PrismaClient;
let observer: pg.Client;

beforeAll(async () => {
  database = await createScratchDatabase(inject('adminDatabaseUrl'), 'counters');
  await applyMigrations({ databaseUrl: database.url });
  db = createPrismaClient({ databaseUrl: database.url, maxConnections: POOL_SIZE });
  observer = new pg.Client({ connectionString: database.url });
  await observer.connect();
});
afterAll(async () => {
  await observer?.end();
  await db?.$disconnect();
  await database?.drop();
});
beforeEach(async () => {
  await db.$executeRawUnsafe(
    'TRUNCATE users, tags, articles, article_tags, favorites, follows, comments, counters RESTART IDENTITY CASCADE',
  );
  await db.counter.create({ data: { name: 'articles', value: 0 } });
});

/** Counters whose stored value differs from a recount, by name; {} when all are exact. */
async function drift(): Promise<Record<string, number>> {
  const rows = await db.$queryRawUnsafe<{ counter: string; wrong: number }[]>(COUNTER_DRIFT_SQL);
  return Object.fromEntries(
    rows.filter((row) => row.wrong !== 0).map((row) => [row.counter, row.wrong]),
  );
}

async function articlesTotal(): Promise<number> {
  const row = await db.counter.findUniqueOrThrow({ where: { name: 'articles' } });
  return Number(row.value);
}

async function user(username: string) {
  return db.user.create({
    data: { username, email: `${username}@example.com`, passwordHash: 'x' },
    select: { id: true },
  });
}

/** As the API publishes: the article and its tag links in one statement each. */
async function publish(authorId: number, title: string, tagNames: string[] = []) {
  await db.tag.createMany({ data: tagNames.map((name) => ({ name })), skipDuplicates: true });
  const tags = await db.tag.findMany({ where: { name: { in: tagNames } }, select: { id: true } });
  return db.article.create({
    data: {
      slug: title.toLowerCase().replaceAll(' ', '-'),
      title,
      description: title,
      body: title,
      authorId,
      tags: { createMany: { data: tags.map((tag) => ({ tagId: tag.id })) } },
    },
    select: { id: true },
  });
}

/** As the API favorites: INSERT ... ON CONFLICT DO NOTHING. */
function favorite(userId: number, articleId: number, client: Pick<PrismaClient, 'favorite'> = db) {
  return client.favorite.createMany({ data: [{ userId, articleId }], skipDuplicates: true });
}

function unfavorite(
  userId: number,
  articleId: number,
  client: Pick<PrismaClient, 'favorite'> = db,
) {
  return client.favorite.deleteMany({ where: { userId, articleId } });
}

async function articleFavorites(id: number): Promise<number> {
  return (await db.article.findUniqueOrThrow({ where: { id }, select: { favoritesCount: true } }))
    .favoritesCount;
}

async function userCounts(id: number) {
  return db.user.findUniqueOrThrow({
    where: { id },
    select: { articlesCount: true, favoritesCount: true },
  });
}

async function tagCounts(): Promise<Record<string, number>> {
  const tags = await db.tag.findMany({ select: { name: true, articlesCount: true } });
  return Object.fromEntries(tags.map((tag) => [tag.name, tag.articlesCount]));
}

describe('counters kept by triggers', () => {
  it('when articles, tags and favorites are written and removed one by one, then every counter follows', async () => {
    const alice = await user('alice');
    const bob = await user('bob');

    const article = await publish(alice.id, 'First post', ['x', 'y']);
    expect(await userCounts(alice.id)).toEqual({ articlesCount: 1, favoritesCount: 0 });
    expect(await tagCounts()).toEqual({ x: 1, y: 1 });
    expect(await articlesTotal()).toBe(1);

    await favorite(bob.id, article.id);
    await favorite(alice.id, article.id);
    await favorite(alice.id, article.id); // a repeat inserts nothing and counts nothing
    expect(await articleFavorites(article.id)).toBe(2);
    expect(await userCounts(alice.id)).toEqual({ articlesCount: 1, favoritesCount: 1 });
    expect(await userCounts(bob.id)).toEqual({ articlesCount: 0, favoritesCount: 1 });

    // Retagging as the API does it: every link deleted, the new ones inserted.
    await db.tag.createMany({ data: [{ name: 'z' }] });
    await db.articleTag.deleteMany({ where: { articleId: article.id } });
    const yz = await db.tag.findMany({ where: { name: { in: ['y', 'z'] } } });
    await db.articleTag.createMany({
      data: yz.map((tag) => ({ articleId: article.id, tagId: tag.id })),
    });
    expect(await tagCounts()).toEqual({ x: 0, y: 1, z: 1 });

    await unfavorite(bob.id, article.id);
    await unfavorite(bob.id, article.id); // nothing left to delete, nothing to count
    expect(await articleFavorites(article.id)).toBe(1);
    expect(await userCounts(bob.id)).toEqual({ articlesCount: 0, favoritesCount: 0 });

    await db.article.delete({ where: { id: article.id } });
    expect(await userCounts(alice.id)).toEqual({ articlesCount: 0, favoritesCount: 0 });
    expect(await tagCounts()).toEqual({ x: 0, y: 0, z: 0 });
    expect(await articlesTotal()).toBe(0);
    expect(await drift()).toEqual({});
  });

  it('when a user is deleted, then the cascade takes their articles, favorites and follows out of every counter', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const alicePosts = [
      await publish(alice.id, 'One', ['x', 'y']),
      await publish(alice.id, 'Two', ['x']),
      await publish(alice.id, 'Three', ['y', 'z']),
    ];
    const carolPost = await publish(carol.id, 'Carol writes', ['x']);
    await favorite(bob.id, alicePosts[0]!.id);
    await favorite(bob.id, alicePosts[1]!.id);
    await favorite(bob.id, carolPost.id);
    await favorite(alice.id, carolPost.id);
    await favorite(alice.id, alicePosts[2]!.id);
    await db.follow.create({ data: { followerId: carol.id, followingId: alice.id } });
    await db.follow.create({ data: { followerId: alice.id, followingId: bob.id } });

    await db.user.delete({ where: { id: alice.id } });

    expect(await userCounts(bob.id)).toEqual({ articlesCount: 0, favoritesCount: 1 });
    expect(await userCounts(carol.id)).toEqual({ articlesCount: 1, favoritesCount: 0 });
    expect(await articleFavorites(carolPost.id)).toBe(1);
    expect(await tagCounts()).toEqual({ x: 1, y: 0, z: 0 });
    expect(await articlesTotal()).toBe(1);
    expect(await db.follow.count()).toBe(0);
    expect(await drift()).toEqual({});
  });

  it('when an article is deleted, then its tags, its author and everyone who favorited it count one less', async () => {
    const [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
    const kept = await publish(alice.id, 'Kept', ['x']);
    const deleted = await publish(alice.id, 'Deleted', ['x', 'y', 'z']);
    for (const reader of [alice, bob, carol]) await favorite(reader.id, deleted.id);
    await favorite(bob.id, kept.id);
    await db.comment.create({ data: { body: 'hi', articleId: deleted.id, authorId: carol.id } });

    await db.article.delete({ where: { id: deleted.id } });

    expect(await userCounts(alice.id)).toEqual({ articlesCount: 1, favoritesCount: 0 });
    expect(await userCounts(bob.id)).toEqual({ articlesCount: 0, favoritesCount: 1 });
    expect(await userCounts(carol.id)).toEqual({ articlesCount: 0, favoritesCount: 0 });
    expect(await tagCounts()).toEqual({ x: 1, y: 0, z: 0 });
    expect(await articleFavorites(kept.id)).toBe(1);
    expect(await articlesTotal()).toBe(1);
    expect(await drift()).toEqual({});
  });

  it('when a key changes, then one unit moves from the old row to the new; a renumbered id takes its counts along', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const first = await publish(alice.id, 'First', ['x']);
    const second = await publish(alice.id, 'Second', ['x']);
    await favorite(bob.id, first.id);
    const y = await db.tag.create({ data: { name: 'y' } });

    await db.favorite.updateMany({
      where: { articleId: first.id },
      data: { articleId: second.id },
    });
    await db.article.update({ where: { id: second.id }, data: { authorId: bob.id } });
    await db.articleTag.updateMany({ where: { articleId: first.id }, data: { tagId: y.id } });
    expect(await articleFavorites(first.id)).toBe(0);
    expect(await articleFavorites(second.id)).toBe(1);
    expect(await userCounts(bob.id)).toEqual({ articlesCount: 1, favoritesCount: 1 });
    expect(await tagCounts()).toEqual({ x: 1, y: 1 });

    // ON UPDATE CASCADE rewrites the children's keys; the renamed row already holds its counts.
    await db.$executeRawUnsafe(`UPDATE users SET id = 1000 WHERE id = ${bob.id}`);
    await db.$executeRawUnsafe(`UPDATE articles SET id = 1000 WHERE id = ${second.id}`);
    await db.$executeRawUnsafe(`UPDATE tags SET id = 1000 WHERE id = ${y.id}`);
    expect(await userCounts(1000)).toEqual({ articlesCount: 1, favoritesCount: 1 });
    expect(await articleFavorites(1000)).toBe(1);
    expect(await drift()).toEqual({});
  });

  it('when a counted table is truncated, then what it counted is zero', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const article = await publish(alice.id, 'Post', ['x']);
    await favorite(bob.id, article.id);

    await db.$executeRawUnsafe('TRUNCATE favorites');
    await db.$executeRawUnsafe('TRUNCATE article_tags');
    expect(await drift()).toEqual({});
    await db.$executeRawUnsafe('TRUNCATE articles CASCADE');
    expect(await articlesTotal()).toBe(0);
    expect(await drift()).toEqual({});
  });

  it('when counts drift (a write with triggers off), then the drift query names them and the recompute fixes them', async () => {
    const alice = await user('alice');
    const article = await publish(alice.id, 'Post', ['x']);
    await db.$executeRawUnsafe(`UPDATE articles SET favorites_count = 7 WHERE id = ${article.id}`);
    await db.$executeRawUnsafe('UPDATE tags SET articles_count = 0');
    await db.$executeRawUnsafe(`UPDATE counters SET value = 5 WHERE name = 'articles'`);
    expect(await drift()).toEqual({
      'articles.favorites_count': 1,
      'tags.articles_count': 1,
      'counters.articles': 1,
    });

    for (const statement of Object.values(RECOMPUTE_COUNTERS_SQL)) {
      await db.$executeRawUnsafe(statement);
    }

    expect(await drift()).toEqual({});
  });
});

describe('counters under concurrent writes', () => {
  /** Polls Postgres (a state, not a duration) until `count` sessions wait for a lock. */
  async function untilSessionsWaitForLocks(count: number): Promise<void> {
    for (let attempt = 0; attempt < 500; attempt++) {
      const { rows } = await observer.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.waiting >= count) return;
      await delay(10);
    }
    throw new Error(`fewer than ${count} sessions waited for a lock within 5 s`);
  }

  it('when two sessions favorite one article at once, then the second waits for the first and both count', async () => {
    const [author, first, second] = [await user('author'), await user('one'), await user('two')];
    const article = await publish(author.id, 'Hot post');

    let commitFirst: () => void = () => {};
    const firstMayCommit = new Promise<void>((resolve) => {
      commitFirst = resolve;
    });
    let firstWrote: () => void = () => {};
    const firstHasWritten = new Promise<void>((resolve) => {
      firstWrote = resolve;
    });
    const firstSession = db.$transaction(async (tx) => {
      await favorite(first.id, article.id, tx);
      firstWrote();
      await firstMayCommit; // holds the article's row lock, taken by the trigger
    });
    await firstHasWritten;
    const secondSession = db.$transaction((tx) => favorite(second.id, article.id, tx));
    await untilSessionsWaitForLocks(1);
    commitFirst();
    await Promise.all([firstSession, secondSession]);

    expect(await articleFavorites(article.id)).toBe(2);
    expect(await drift()).toEqual({});
  });

  it('when many sessions favorite, unfavorite and publish at once, then every count equals a recount', async () => {
    const author = await user('author');
    const article = await publish(author.id, 'Hot post', ['x']);
    const readers = await Promise.all(
      Array.from({ length: POOL_SIZE }, (_, index) => user(`reader${index}`)),
    );

    await Promise.all(readers.map((reader) => favorite(reader.id, article.id)));
    expect(await articleFavorites(article.id)).toBe(readers.length);

    const leaving = readers.filter((_, index) => index % 3 === 0);
    await Promise.all([
      ...leaving.map((reader) => unfavorite(reader.id, article.id)),
      ...readers.map((reader) => favorite(reader.id, article.id)), // repeats: counted once
      ...readers.map((reader, index) => publish(reader.id, `Post ${index}`, ['x'])),
    ]);

    expect(await articleFavorites(article.id)).toBe(
      await db.favorite.count({ where: { articleId: article.id } }),
    );
    expect(await articlesTotal()).toBe(readers.length + 1);
    expect(await tagCounts()).toEqual({ x: readers.length + 1 });
    expect(await drift()).toEqual({});
  });
});

describe('counters after the seed', () => {
  it('when the seed has loaded with triggers off, then the counts are exact and later writes keep them so', async () => {
    await seedDatabase({
      databaseUrl: database.url,
      reset: true,
      options: { users: 60, articles: 300, tags: 12, seed: 3 },
    });
    expect(await drift()).toEqual({});
    expect(await articlesTotal()).toBe(300);

    const reader = await user('late-reader');
    const newest = await publish(reader.id, 'Late post', ['late']);
    await favorite(reader.id, 1);
    await favorite(reader.id, newest.id);
    await db.user.delete({ where: { id: 1 } });

    expect(await drift()).toEqual({});
  });
});
