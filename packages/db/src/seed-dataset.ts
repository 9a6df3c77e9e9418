// The rows of a realistic Conduit data set, computed from a seed number: the same options give
// the same rows on every machine. They come in batches (generateDataset is a generator), so a
// million articles stream through in bounded memory; seed.ts writes each batch to Postgres.
//
// Popularity is skewed the way real communities are: a few tags, authors and articles draw
// most of the attention (Zipf and log-normal draws), while the averages match the options.
import {
  BIO_ENDINGS,
  CLOSING_HEADINGS,
  CLOSING_SENTENCES,
  CODE_SNIPPETS,
  COMMENT_SENTENCES,
  DESCRIPTIONS,
  FIRST_NAMES,
  HANDLE_ADJECTIVES,
  HANDLE_NOUNS,
  HEADINGS,
  LAST_NAMES,
  LIST_ITEMS,
  PARAGRAPH_SENTENCES,
  ROLES,
  TAGS,
  TITLE_SUFFIXES,
  TITLES,
  TOOLS,
  TOPICS,
  WORKPLACES,
} from './seed-words.ts';
import { slugify } from './slug.ts';

export type SeedOptions = {
  users: number;
  articles: number;
  /** Distinct tags; about a hundred realistic names, then numbered variants. */
  tags: number;
  /** Average people each user follows. */
  followsPerUser: number;
  /** Average favorites per article (heavily skewed: most get a few, some get hundreds). */
  favoritesPerArticle: number;
  commentsPerArticle: number;
  /** The PRNG seed: the same seed gives the same usernames, titles, bodies and links. */
  seed: number;
  /** Timestamps spread over the two years before this instant. */
  now: Date;
};

// Rows use the database's column names: seed.ts copies them as they are. Times are epoch
// milliseconds (Postgres converts them): formatting millions of ISO strings costs more than the
// rest of a row.
export type UserRow = {
  id: number;
  email: string;
  username: string;
  password_hash: string;
  bio: string | null;
  created_at: number;
  updated_at: number;
  /** Demo addresses (example.com) count as verified, so comments on demo articles email. */
  email_verified_at: number;
};
export type TagRow = { id: number; name: string };
export type ArticleRow = {
  id: number;
  slug: string;
  title: string;
  description: string;
  body: string;
  author_id: number;
  created_at: number;
  updated_at: number;
  /** The article's favorites, drawn with it: the seed writes the counter with the row. */
  favorites_count: number;
};
/** created_at is the article's own (the tag page's index orders by it). */
export type ArticleTagRow = { article_id: number; tag_id: number; created_at: number };
export type FollowRow = { follower_id: number; following_id: number; created_at: number };
export type FavoriteRow = { user_id: number; article_id: number; created_at: number };
export type CommentRow = {
  id: number;
  body: string;
  article_id: number;
  author_id: number;
  created_at: number;
  updated_at: number;
};

export type Dataset = {
  users: UserRow[];
  tags: TagRow[];
  articles: ArticleRow[];
  article_tags: ArticleTagRow[];
  follows: FollowRow[];
  favorites: FavoriteRow[];
  comments: CommentRow[];
};

/**
 * The generation passes, in order. Each is driven by one entity (users, or articles), whose
 * count is known up front; the rows that hang off it (follows, tags, favorites, comments)
 * come with it in the same batch. Each pass ends with a batch where done = total.
 */
export const DATASET_PHASES = ['users', 'follows', 'articles'] as const;
export type DatasetPhase = (typeof DATASET_PHASES)[number];

export type DatasetBatch = {
  phase: DatasetPhase;
  /** Driving entities of this phase generated so far, this batch included, and in all. */
  done: number;
  total: number;
  rows: Partial<Dataset>;
};

const DAY_MS = 24 * 3600 * 1000;
const HISTORY_MS = 2 * 365 * DAY_MS;

/** Zipf exponents: higher means a steeper head. 1.1 gives the top tag ~1/5 of all taggings. */
const TAG_POPULARITY_EXPONENT = 1.1;
const AUTHOR_POPULARITY_EXPONENT = 0.8;
const FOLLOWEE_POPULARITY_EXPONENT = 0.9;
/** Spread of the log-normal counts; 1.3 for favorites gives a median near 2 for a mean of 5. */
const FOLLOWS_SPREAD = 1.0;
const FAVORITES_SPREAD = 1.3;
const COMMENTS_SPREAD = 0.8;
const MAX_TAGS_PER_ARTICLE = 5;
/** Share of articles, and of comments, edited after publication. */
const EDITED_ARTICLE_SHARE = 0.25;
const EDITED_COMMENT_SHARE = 0.05;
const USERS_WITH_BIO_SHARE = 0.6;
/** Share of titles with a qualifier such as ", part 2": fewer duplicate titles, as in real life. */
const TITLE_SUFFIX_SHARE = 0.35;

/**
 * The data set, `batchSize` users or articles at a time. Memory holds what later rows refer
 * to (each user's sign-up time and username, a hash per slug), never the rows already given.
 */
export function* generateDataset(
  options: SeedOptions,
  passwordHash: string,
  batchSize: number,
): Generator<DatasetBatch> {
  if (options.articles > 0 && (options.users < 1 || options.tags < 1)) {
    throw new Error('articles need at least one user and one tag');
  }
  const random = createRandom(options.seed);
  const now = options.now.getTime();
  const text = createTextGenerator(random);

  const userCreatedAt = new Float64Array(options.users + 1);
  const usedUsernames = new Set<string>();
  const tags: TagRow[] = tagNames(options.tags).map((name, index) => ({ id: index + 1, name }));
  yield { phase: 'users', done: 0, total: options.users, rows: { tags } };
  let users: UserRow[] = [];
  for (let id = 1; id <= options.users; id++) {
    const username = unique(text.username(), usedUsernames, () => String(random.int(1, 9999)));
    const createdAt = now - random.int(DAY_MS, HISTORY_MS);
    userCreatedAt[id] = createdAt;
    users.push({
      id,
      email: `${username}@example.com`,
      username,
      password_hash: passwordHash,
      bio: random.chance(USERS_WITH_BIO_SHARE) ? text.bio() : null,
      created_at: createdAt,
      updated_at: laterEdit(random, createdAt, now),
      email_verified_at: createdAt,
    });
    if (users.length === batchSize || id === options.users) {
      yield { phase: 'users', done: id, total: options.users, rows: { users } };
      users = [];
    }
  }
  usedUsernames.clear();

  // Rank users by popularity once: the prolific authors are also the most followed.
  const popularUsers = shuffled(
    random,
    Array.from({ length: options.users }, (_, index) => index + 1),
  );
  const pickAuthor = zipfSampler(random, popularUsers, AUTHOR_POPULARITY_EXPONENT);
  const pickFollowee = zipfSampler(random, popularUsers, FOLLOWEE_POPULARITY_EXPONENT);
  const pickTag = zipfSampler(random, tags, TAG_POPULARITY_EXPONENT);
  const pickUser = () => random.int(1, options.users);

  let follows: FollowRow[] = [];
  for (let followerId = 1; followerId <= options.users; followerId++) {
    const count = logNormalCount(random, options.followsPerUser, FOLLOWS_SPREAD, options.users - 1);
    const followees = distinctDraws(count, pickFollowee, (id) => id !== followerId);
    for (const followingId of followees) {
      const since = Math.max(userCreatedAt[followerId]!, userCreatedAt[followingId]!);
      follows.push({
        follower_id: followerId,
        following_id: followingId,
        created_at: random.int(since, now),
      });
    }
    if (followerId % batchSize === 0 || followerId === options.users) {
      yield { phase: 'follows', done: followerId, total: options.users, rows: { follows } };
      follows = [];
    }
  }

  const usedSlugs = new Set<number>();
  let commentId = 0;
  let batch = emptyArticleBatch();
  for (let id = 1; id <= options.articles; id++) {
    const authorId = pickAuthor();
    const createdAt = random.int(userCreatedAt[authorId]!, now);
    const topic = text.topic();
    const title = text.title(topic);
    const slug = uniqueByHash(slugify(title), usedSlugs, () => random.base36(6));
    const description = text.description(topic);
    const body = text.body(topic);
    const updatedAt = random.chance(EDITED_ARTICLE_SHARE)
      ? laterEdit(random, createdAt, now)
      : createdAt;
    const tagCount = Math.min(random.int(1, MAX_TAGS_PER_ARTICLE), tags.length);
    for (const tag of distinctDraws(tagCount, pickTag)) {
      batch.article_tags.push({ article_id: id, tag_id: tag.id, created_at: createdAt });
    }

    const favoriteCount = logNormalCount(
      random,
      options.favoritesPerArticle,
      FAVORITES_SPREAD,
      options.users,
    );
    const favoriters = distinctDraws(favoriteCount, pickUser);
    for (const userId of favoriters) {
      batch.favorites.push({
        user_id: userId,
        article_id: id,
        created_at: random.int(createdAt, now),
      });
    }
    const commentCount = logNormalCount(random, options.commentsPerArticle, COMMENTS_SPREAD);
    for (let n = 0; n < commentCount; n++) {
      const commentedAt = random.int(createdAt, now);
      batch.comments.push({
        id: ++commentId,
        body: text.comment(),
        article_id: id,
        author_id: pickUser(),
        created_at: commentedAt,
        updated_at: random.chance(EDITED_COMMENT_SHARE)
          ? laterEdit(random, commentedAt, now)
          : commentedAt,
      });
    }
    batch.articles.push({
      id,
      slug,
      title,
      description,
      body,
      author_id: authorId,
      created_at: createdAt,
      updated_at: updatedAt,
      favorites_count: favoriters.size,
    });
    if (batch.articles.length === batchSize || id === options.articles) {
      yield { phase: 'articles', done: id, total: options.articles, rows: batch };
      batch = emptyArticleBatch();
    }
  }
}

function emptyArticleBatch() {
  return {
    articles: [] as ArticleRow[],
    article_tags: [] as ArticleTagRow[],
    favorites: [] as FavoriteRow[],
    comments: [] as CommentRow[],
  };
}

// ---------------------------------------------------------------- random draws

/** mulberry32: a 32-bit state PRNG, plenty for test data, and the same on every platform. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    chance: (probability: number): boolean => next() < probability,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    /** `count` distinct items in random order (a partial Fisher-Yates shuffle). */
    sample<T>(items: readonly T[], count: number): T[] {
      const pool = [...items];
      const size = Math.min(count, pool.length);
      for (let i = 0; i < size; i++) {
        const j = i + Math.floor(next() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      return pool.slice(0, size);
    },
    /** A standard normal draw (Box-Muller). */
    normal: (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    base36: (length: number): string =>
      Array.from({ length }, () => Math.floor(next() * 36).toString(36)).join(''),
  };
}
type Random = ReturnType<typeof createRandom>;

/** Draws items so that the k-th is 1/k^exponent as likely as the first. */
function zipfSampler<T>(random: Random, items: readonly T[], exponent: number): () => T {
  const cumulative = new Float64Array(items.length);
  let total = 0;
  for (let k = 0; k < items.length; k++) {
    total += 1 / (k + 1) ** exponent;
    cumulative[k] = total;
  }
  return () => {
    const target = random.next() * total;
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return items[low]!;
  };
}

/** A non-negative count with the given mean and a long right tail, capped at `max`. */
function logNormalCount(random: Random, mean: number, spread: number, max = Infinity): number {
  if (mean <= 0) return 0;
  const mu = Math.log(mean) - (spread * spread) / 2;
  return Math.min(max, Math.round(Math.exp(mu + spread * random.normal())));
}

/** Up to `count` distinct draws; gives up on a value after enough repeats (steep samplers). */
function distinctDraws<T>(
  count: number,
  draw: () => T,
  accept: (value: T) => boolean = () => true,
) {
  const chosen = new Set<T>();
  for (let attempts = 0; chosen.size < count && attempts < count * 20; attempts++) {
    const value = draw();
    if (accept(value)) chosen.add(value);
  }
  return chosen;
}

function shuffled<T>(random: Random, items: T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

function unique(candidate: string, used: Set<string>, suffix: () => string): string {
  let value = candidate;
  while (used.has(value)) value = `${candidate}-${suffix()}`;
  used.add(value);
  return value;
}

/**
 * `unique` for a million values without keeping them: remembers a 53-bit hash of each. A
 * collision of hashes only adds a suffix that was not needed, and does so the same way on
 * every run, so the rows stay deterministic and unique.
 */
function uniqueByHash(candidate: string, usedHashes: Set<number>, suffix: () => string): string {
  let value = candidate;
  while (usedHashes.has(hash53(value))) value = `${candidate}-${suffix()}`;
  usedHashes.add(hash53(value));
  return value;
}

/** cyrb53 (public domain): a fast 53-bit string hash, exact in a JavaScript number. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function laterEdit(random: Random, createdAt: number, now: number): number {
  return random.int(createdAt, Math.min(now, createdAt + 90 * DAY_MS));
}

function tagNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const round = Math.floor(index / TAGS.length);
    const name = TAGS[index % TAGS.length]!;
    return round === 0 ? name : `${name}-${round + 1}`;
  });
}

// ---------------------------------------------------------------- text

const PLACEHOLDER = /\{(topic|Topic|tool|other|n|ms|pct)\}/g;

function createTextGenerator(random: Random) {
  // One pass over the template; the tools are drawn only for templates that name one.
  const fill = (template: string, topic: string): string => {
    let tools: string[] | undefined;
    return template.replace(PLACEHOLDER, (_match, name: string) => {
      switch (name) {
        case 'topic':
          return topic;
        case 'Topic':
          return topic[0]!.toUpperCase() + topic.slice(1);
        case 'tool':
        case 'other':
          tools ??= random.sample(TOOLS, 2);
          return tools[name === 'tool' ? 0 : 1]!;
        case 'n':
          return String(random.int(3, 12));
        case 'ms':
          return String(random.int(2, 90) * 10);
        default:
          return String(random.int(15, 85));
      }
    });
  };
  const paragraph = (sentences: string[], topic: string) =>
    sentences.map((sentence) => fill(sentence, topic)).join(' ');

  return {
    topic: () => random.pick(TOPICS),

    username(): string {
      const first = random.pick(FIRST_NAMES);
      const last = random.pick(LAST_NAMES);
      switch (random.int(0, 5)) {
        case 0:
          return `${first}${last}`;
        case 1:
          return `${first}_${last}`;
        case 2:
          return `${first[0]}${last}`;
        case 3:
          return `${first}${random.int(1, 99)}`;
        case 4:
          return `${random.pick(HANDLE_ADJECTIVES)}${random.pick(HANDLE_NOUNS)}`;
        default:
          return `${first}.${last}`;
      }
    },

    bio: () =>
      `${random.pick(ROLES)} ${random.pick(WORKPLACES)}. ${fill(random.pick(BIO_ENDINGS), random.pick(TOPICS))}`,

    title: (topic: string) =>
      fill(random.pick(TITLES), topic) +
      (random.chance(TITLE_SUFFIX_SHARE) ? random.pick(TITLE_SUFFIXES) : ''),

    description: (topic: string) => fill(random.pick(DESCRIPTIONS), topic),

    /** Markdown: paragraphs, two headings, a list and a code block, no sentence twice. */
    body(topic: string): string {
      const [first, second, third] = [random.int(3, 5), random.int(3, 6), random.int(2, 4)];
      const sentences = random.sample(PARAGRAPH_SENTENCES, first + second + third);
      const [heading, closingHeading] = [random.pick(HEADINGS), random.pick(CLOSING_HEADINGS)];
      const items = random.sample(LIST_ITEMS, random.int(3, 5));
      const [language, code] = random.pick(CODE_SNIPPETS);
      return [
        paragraph(sentences.slice(0, first), topic),
        `## ${fill(heading, topic)}`,
        paragraph(sentences.slice(first, first + second), topic),
        items.map((item) => `- ${fill(item, topic)}`).join('\n'),
        `\`\`\`${language}\n${code}\n\`\`\``,
        paragraph(sentences.slice(first + second), topic),
        `## ${closingHeading}`,
        paragraph(random.sample(CLOSING_SENTENCES, random.int(1, 3)), topic),
      ].join('\n\n');
    },

    comment: () =>
      paragraph(random.sample(COMMENT_SENTENCES, random.int(1, 3)), random.pick(TOPICS)),
  };
}
