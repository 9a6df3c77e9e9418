// How much memory the application cache takes when everything the default seed can put in it
// is there at once, to size the cache Redis's maxmemory (docs/configuration.md). It reads the
// stack's database and fills a private, empty Redis with every entry in the cache's layout
// (packages/cache/src/keys.ts: versioned hashes with `v` and `d` fields, membership hashes,
// list pages as ids), then reads INFO memory and MEMORY USAGE per kind of entry.
// Needs the native stack's Postgres: `bash infra/native/services.sh up` first.
//   npx tsx load-tests/benchmarks/cache-redis-size.ts
import { nativeServiceUrls } from '@headroom/testing/native-services';
import { startPrivateRedis } from '@headroom/testing/redis-server';
import { Redis } from 'ioredis';
import pg from 'pg';
import { parseCommandLine } from '../cli.ts';

const USAGE = 'usage: npx tsx load-tests/benchmarks/cache-redis-size.ts';
parseCommandLine(USAGE, { options: {} });

/** Articles per list page: the RealWorld UI's page size. */
const PAGE_SIZE = 20;
/** Entries written per pipeline round trip. */
const BATCH = 1_000;
/** Stored bodies carry the worker's rendered HTML; markdown renders to about this much more. */
const HTML_PER_MARKDOWN_BYTE = 1.2;
const TTL_SECONDS = 300;

const db = new pg.Client({ connectionString: nativeServiceUrls('stack').DATABASE_URL });
await db.connect();
const server = await startPrivateRedis();
const redis = new Redis(server.url);

type Entry = [key: string, fields: Record<string, string>];
const families = new Map<string, { keys: string[]; count: number }>();

async function fill(family: string, entries: Iterable<Entry>) {
  const record = families.get(family) ?? { keys: [], count: 0 };
  families.set(family, record);
  let pipeline = redis.pipeline();
  let queued = 0;
  for (const [key, fields] of entries) {
    pipeline.hset(`headroom:cache:${key}`, fields).expire(`headroom:cache:${key}`, TTL_SECONDS);
    if (record.keys.length < 200) record.keys.push(`headroom:cache:${key}`);
    record.count++;
    if (++queued === BATCH) {
      await pipeline.exec();
      pipeline = redis.pipeline();
      queued = 0;
    }
  }
  await pipeline.exec();
}

async function rows<T>(sql: string): Promise<T[]> {
  return (await db.query(sql)).rows as T[];
}

try {
  const usedBefore = await usedMemory();

  const articles = await rows<{
    id: number;
    slug: string;
    title: string;
    description: string;
    body: string;
    created_at: Date;
    updated_at: Date;
    author_id: number;
    reading_time_minutes: number | null;
    favorites: number;
    tags: string[];
  }>(`SELECT a.id, a.slug, a.title, a.description, a.body, a.created_at, a.updated_at,
             a.author_id, a.reading_time_minutes,
             (SELECT count(*)::int FROM favorites f WHERE f.article_id = a.id) AS favorites,
             coalesce((SELECT array_agg(t.name ORDER BY t.name) FROM article_tags x
                       JOIN tags t ON t.id = x.tag_id WHERE x.article_id = a.id), '{}') AS tags
      FROM articles a ORDER BY a.created_at DESC, a.id DESC`);

  await fill(
    'article card',
    articles.map((a) => [
      `article:${a.id}:card`,
      {
        v: '1',
        d: JSON.stringify({
          id: a.id,
          slug: a.slug,
          title: a.title,
          description: a.description,
          tagList: a.tags,
          createdAt: a.created_at.toISOString(),
          updatedAt: a.updated_at.toISOString(),
          favoritesCount: a.favorites,
          readingTimeMinutes: a.reading_time_minutes,
          authorId: a.author_id,
        }),
      },
    ]),
  );
  await fill(
    'article body (markdown + rendered HTML)',
    articles.map((a) => [
      `article:${a.id}:body`,
      {
        v: '1',
        d: JSON.stringify({
          body: a.body,
          bodyHtml: 'x'.repeat(Math.round(a.body.length * HTML_PER_MARKDOWN_BYTE)),
        }),
      },
    ]),
  );
  await fill(
    'slug -> id',
    articles.map((a) => [`article-slug:${a.slug}`, { v: '1', d: String(a.id) }]),
  );

  const users = await rows<{
    id: number;
    username: string;
    bio: string | null;
    image: string | null;
  }>('SELECT id, username, bio, image FROM users');
  await fill(
    'profile',
    users.map((u) => [
      `user:${u.id}:profile`,
      { v: '1', d: JSON.stringify({ id: u.id, username: u.username, bio: u.bio, image: u.image }) },
    ]),
  );
  await fill(
    'username -> id',
    users.map((u) => [`username:${u.username}`, { v: '1', d: String(u.id) }]),
  );

  const memberships = async (family: string, key: string, sql: string) => {
    const sets = await rows<{ owner: number; members: number[] }>(sql);
    await fill(
      family,
      sets.map(({ owner, members }) => [
        key.replace('{id}', String(owner)),
        { v: '1', s: 'complete', ...Object.fromEntries(members.map((id) => [String(id), '1'])) },
      ]),
    );
  };
  await memberships(
    "a user's favorites",
    'user:{id}:favorites',
    'SELECT user_id AS owner, array_agg(article_id) AS members FROM favorites GROUP BY user_id',
  );
  await memberships(
    "a user's follows",
    'user:{id}:following',
    'SELECT follower_id AS owner, array_agg(following_id) AS members FROM follows GROUP BY follower_id',
  );

  /** Every page of a list, stored as ids and author ids with the list's count. */
  function* pages(name: string, list: { id: number; author_id: number }[]): Generator<Entry> {
    for (let offset = 0; offset < list.length; offset += PAGE_SIZE) {
      const page = list.slice(offset, offset + PAGE_SIZE);
      yield [
        `list:${name}:v1:l${PAGE_SIZE}:o${offset}`,
        {
          d: JSON.stringify({
            ids: page.map((a) => a.id),
            authorIds: page.map((a) => a.author_id),
            count: list.length,
          }),
        },
      ];
    }
  }
  const groupBy = <T>(items: T[], keyOf: (item: T) => string[]) => {
    const groups = new Map<string, T[]>();
    for (const item of items) {
      for (const key of keyOf(item)) groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    return groups;
  };
  await fill('list page: all articles', pages('all', articles));
  await fill(
    'list page: by tag',
    [...groupBy(articles, (a) => a.tags)].flatMap(([tag, list]) => [...pages(`tag:${tag}`, list)]),
  );
  await fill(
    'list page: by author',
    [...groupBy(articles, (a) => [String(a.author_id)])].flatMap(([author, list]) => [
      ...pages(`author:${author}`, list),
    ]),
  );

  const comments = await rows<{ article_id: number; list: unknown[] }>(
    `SELECT article_id, json_agg(json_build_object('id', id, 'body', body, 'createdAt', created_at,
            'updatedAt', updated_at, 'authorId', author_id) ORDER BY created_at DESC) AS list
     FROM comments GROUP BY article_id`,
  );
  await fill(
    "an article's comments",
    comments.map((c) => [`comments:${c.article_id}:v1`, { d: JSON.stringify(c.list) }]),
  );

  const usedAfter = await usedMemory();
  const total = usedAfter - usedBefore;
  console.log(`${articles.length} articles, ${users.length} users, everything cached at once\n`);
  console.log('| entries | count | bytes each (MEMORY USAGE, mean of a sample) | total MB |');
  console.log('|---|---:|---:|---:|');
  let sampled = 0;
  for (const [family, { keys, count }] of families) {
    const sizes = await Promise.all(keys.map((key) => redis.memory('USAGE', key)));
    const mean = sizes.reduce((sum: number, size) => sum + Number(size ?? 0), 0) / keys.length;
    sampled += mean * count;
    console.log(
      `| ${family} | ${count} | ${Math.round(mean)} | ${((mean * count) / 1e6).toFixed(1)} |`,
    );
  }
  console.log(`| **sum of the sampled means** | | | **${(sampled / 1e6).toFixed(1)}** |`);
  console.log(`\nINFO memory used_memory grew by ${(total / 1e6).toFixed(1)} MB`);
  const perArticle = total / articles.length;
  console.log(`${Math.round(perArticle)} bytes per article, everything included`);
} finally {
  // The private server stops with the measurement, whatever happens to it.
  redis.disconnect();
  await server.stop();
  await db.end();
}

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}
