// Profiles and the follow graph. Following is idempotent: following twice is one follow.
// Every page that shows an author reads profiles through here: one cached entry per user, the
// username -> id lookup, and what a viewer follows (docs/caching.md). Entity lookups by key
// fill from the primary: they are cheap, and must never bring back a row a replica has not
// caught up on.

import { entityKeys } from '@headroom/cache/keys';
import { TOO_MANY_MEMBERS, type VersionedCache } from '@headroom/cache/versioned-cache';
import type { PrismaClient } from '@headroom/db/client';
import type { ReadRouting } from '@headroom/db/read-routing';
import { NotFoundError, ValidationError } from '@headroom/errors/http-errors';
import type { Outbox } from '../../outbox.ts';
import { usernameKey } from '../users/usernames.ts';
import { type Profile, type ProfileRow, toProfile } from './profiles.schemas.ts';

type Db = Pick<PrismaClient, '$queryRaw'>;

/**
 * A viewer's set of followed users is cached whole up to this size; beyond it, each page asks
 * Postgres which of its authors the viewer follows, and the feed is read uncached. The seed's
 * users follow about 20 people; a set of this size is about 100 KB in Redis.
 */
export const MAX_CACHED_FOLLOWING = 10_000;

export function createProfilesService(deps: {
  db: Db;
  reads: Pick<ReadRouting, 'read'>;
  cache: VersionedCache;
  outbox: Outbox;
}) {
  const { db, cache, outbox } = deps;

  async function profilesByIds(userIds: readonly number[]): Promise<Map<number, ProfileRow>> {
    const unique = [...new Set(userIds)];
    const cached = await cache.entities<ProfileRow>(
      unique.map(entityKeys.profile),
      async (missing) => {
        const ids = missing.map((key) => Number(key.key.split(':')[1]));
        const rows = await db.$queryRaw<ProfileRow[]>`
          SELECT id, username, bio, image FROM users WHERE id = ANY(${ids}::int[])`;
        return new Map(rows.map((row) => [entityKeys.profile(row.id).key, row]));
      },
    );
    const profiles = new Map<number, ProfileRow>();
    for (const id of unique) {
      const row = cached.get(entityKeys.profile(id).key);
      if (row) profiles.set(id, row);
    }
    return profiles;
  }

  /** Usernames compare regardless of case: the key and the query use the unique index's form. */
  async function userIdByUsername(username: string): Promise<number | null> {
    const key = entityKeys.userIdByUsername(username);
    const found = await cache.entities<number>([key], async () => {
      const rows = await db.$queryRaw<{ id: number }[]>`
        SELECT id FROM users WHERE lower(username COLLATE "und-x-icu") = ${usernameKey(username)}`;
      return new Map(rows.map((row) => [key.key, row.id]));
    });
    return found.get(key.key) ?? null;
  }

  async function findUser(username: string): Promise<ProfileRow> {
    const id = await userIdByUsername(username);
    const user = id === null ? undefined : (await profilesByIds([id])).get(id);
    if (!user) throw new NotFoundError('profile');
    return user;
  }

  /** Which of `userIds` the viewer follows: one cache lookup for a whole page of authors. */
  async function followedAmong(
    viewerId: number | undefined,
    userIds: readonly number[],
  ): Promise<Set<number>> {
    if (viewerId === undefined || userIds.length === 0) return new Set();
    const unique = [...new Set(userIds)];
    const cached = await cache.membership(entityKeys.following(viewerId), unique, () =>
      followedBy(viewerId),
    );
    if (cached) return cached;
    const rows = await db.$queryRaw<{ following_id: number }[]>`
      SELECT following_id FROM follows
       WHERE follower_id = ${viewerId} AND following_id = ANY(${unique}::int[])`;
    return new Set(rows.map((row) => row.following_id));
  }

  /** Everyone the user follows, or TOO_MANY_MEMBERS past MAX_CACHED_FOLLOWING. */
  async function followedBy(userId: number): Promise<number[] | typeof TOO_MANY_MEMBERS> {
    const rows = await db.$queryRaw<{ following_id: number }[]>`
      SELECT following_id FROM follows WHERE follower_id = ${userId}
       LIMIT ${MAX_CACHED_FOLLOWING + 1}`;
    if (rows.length > MAX_CACHED_FOLLOWING) return TOO_MANY_MEMBERS;
    return rows.map((row) => row.following_id);
  }

  return {
    profilesByIds,
    userIdByUsername,
    followedAmong,

    /** Everyone the user follows, from Postgres (the cache's loader of their `following` set). */
    followedBy,

    async get(username: string, viewerId: number | undefined): Promise<Profile> {
      const user = await findUser(username);
      const following = await followedAmong(viewerId, [user.id]);
      return toProfile(user, following.has(user.id));
    },

    async follow(username: string, viewerId: number): Promise<Profile> {
      const user = await findUser(username);
      if (user.id === viewerId) throw new ValidationError({ profile: ['cannot follow yourself'] });
      await outbox.transaction(async (tx, record) => {
        const { count } = await tx.follow.createMany({
          data: [{ followerId: viewerId, followingId: user.id }],
          skipDuplicates: true,
        });
        // Only a new follow is an event; following again changes nothing.
        if (count === 1) {
          await record({
            type: 'user.followed',
            payload: { followerId: viewerId, followingId: user.id },
          });
        }
      });
      return toProfile(user, true);
    },

    async unfollow(username: string, viewerId: number): Promise<Profile> {
      const user = await findUser(username);
      await outbox.transaction(async (tx, record) => {
        const { count } = await tx.follow.deleteMany({
          where: { followerId: viewerId, followingId: user.id },
        });
        if (count === 1) {
          await record({
            type: 'user.unfollowed',
            payload: { followerId: viewerId, followingId: user.id },
          });
        }
      });
      return toProfile(user, false);
    },
  };
}

export type ProfilesService = ReturnType<typeof createProfilesService>;
