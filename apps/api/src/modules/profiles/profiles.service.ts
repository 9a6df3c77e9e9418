// Profiles and the follow graph. Following is idempotent: following twice is one follow.
import type { PrismaClient } from '@headroom/db/client';
import { NotFoundError, ValidationError } from '@headroom/errors/http-errors';
import { recordEvent } from '../../outbox.ts';
import { type Profile, profileColumns, toProfile } from './profiles.schemas.ts';

type Db = Pick<PrismaClient, 'user' | 'follow' | '$transaction'>;

export function createProfilesService({ db }: { db: Db }) {
  async function findUser(username: string) {
    const user = await db.user.findUnique({ where: { username }, select: profileColumns });
    if (!user) throw new NotFoundError('profile');
    return user;
  }

  async function isFollowing(
    followerId: number | undefined,
    followingId: number,
  ): Promise<boolean> {
    if (followerId === undefined) return false;
    const follow = await db.follow.findUnique({
      where: { followerId_followingId: { followerId, followingId } },
      select: { followerId: true },
    });
    return follow !== null;
  }

  return {
    async get(username: string, viewerId: number | undefined): Promise<Profile> {
      const user = await findUser(username);
      return toProfile(user, await isFollowing(viewerId, user.id));
    },

    async follow(username: string, viewerId: number): Promise<Profile> {
      const user = await findUser(username);
      if (user.id === viewerId) throw new ValidationError({ profile: ['cannot follow yourself'] });
      await db.$transaction(async (tx) => {
        const { count } = await tx.follow.createMany({
          data: [{ followerId: viewerId, followingId: user.id }],
          skipDuplicates: true,
        });
        // Only a new follow is an event; following again changes nothing.
        if (count === 1) {
          await recordEvent(tx, {
            type: 'user.followed',
            payload: { followerId: viewerId, followingId: user.id },
          });
        }
      });
      return toProfile(user, true);
    },

    async unfollow(username: string, viewerId: number): Promise<Profile> {
      const user = await findUser(username);
      await db.follow.deleteMany({ where: { followerId: viewerId, followingId: user.id } });
      return toProfile(user, false);
    },

    /** Everyone the user follows (the authors of their feed). */
    async followedBy(userId: number): Promise<number[]> {
      const follows = await db.follow.findMany({
        where: { followerId: userId },
        select: { followingId: true },
      });
      return follows.map((follow) => follow.followingId);
    },

    /** Which of `userIds` the viewer follows: one query for a whole page of authors. */
    async followedAmong(viewerId: number | undefined, userIds: number[]): Promise<Set<number>> {
      if (viewerId === undefined || userIds.length === 0) return new Set();
      const follows = await db.follow.findMany({
        where: { followerId: viewerId, followingId: { in: [...new Set(userIds)] } },
        select: { followingId: true },
      });
      return new Set(follows.map((follow) => follow.followingId));
    },
  };
}

export type ProfilesService = ReturnType<typeof createProfilesService>;
