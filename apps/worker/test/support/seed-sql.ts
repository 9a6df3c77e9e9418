// Test data written straight to Postgres in bulk (a thousand followers in one statement), and
// outbox events recorded the way the API records them, for tests that need no API process.
import { randomBytes } from 'node:crypto';
import type { DomainEvent } from '@headroom/jobs/contract';
import { uuidv7 } from '@headroom/jobs/record-event';
import type pg from 'pg';

/** Creates `count` users with unique names; returns their ids in ascending order. */
export async function insertUsers(sql: pg.Pool, count: number): Promise<number[]> {
  const prefix = `u${randomBytes(4).toString('hex')}_`;
  const { rows } = await sql.query<{ id: number }>(
    `INSERT INTO users (email, username, password_hash, updated_at)
     SELECT $1 || n || '@example.com', $1 || n, 'not-a-real-hash', now()
       FROM generate_series(1, $2::int) AS n
     RETURNING id`,
    [prefix, count],
  );
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

export async function insertFollows(
  sql: pg.Pool,
  followerIds: number[],
  followingId: number,
): Promise<void> {
  await sql.query(
    `INSERT INTO follows (follower_id, following_id)
     SELECT unnest($1::int[]), $2`,
    [followerIds, followingId],
  );
}

export async function insertArticle(
  sql: pg.Pool,
  authorId: number,
  body = 'Some *markdown* body',
): Promise<number> {
  const slug = `article-${randomBytes(5).toString('hex')}`;
  const { rows } = await sql.query<{ id: number }>(
    `INSERT INTO articles (slug, title, description, body, author_id, updated_at)
     VALUES ($1, $1, 'A description', $2, $3, now()) RETURNING id`,
    [slug, body, authorId],
  );
  return rows[0]!.id;
}

/**
 * Inserts an outbox event (what the API's recordEvent does, with the same UUIDv7 id, whose time
 * the relay reads); returns its id.
 */
export async function recordEvent(sql: pg.Pool, event: DomainEvent): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO outbox_events (id, type, payload) VALUES ($1, $2, $3) RETURNING id`,
    [uuidv7(), event.type, JSON.stringify(event.payload)],
  );
  return rows[0]!.id;
}

export async function countRows(sql: pg.Pool, query: string, values: unknown[] = []) {
  const { rows } = await sql.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM ${query}`,
    values,
  );
  return rows[0]!.count;
}
