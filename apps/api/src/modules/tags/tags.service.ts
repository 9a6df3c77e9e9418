// The tag cloud on the home page: trending tags first, in the order the worker's scheduled
// recompute-trending-tags job ranked them, then every other tag alphabetically (so a tag
// used a moment ago is listed before the next recompute).
import type { PrismaClient } from '@headroom/db/client';

type Db = Pick<PrismaClient, 'tag'>;

export function createTagsService({ db }: { db: Db }) {
  return {
    async list(): Promise<string[]> {
      const tags = await db.tag.findMany({
        orderBy: [{ trending: { rank: 'asc' } }, { name: 'asc' }],
        select: { name: true },
      });
      return tags.map((tag) => tag.name);
    },
  };
}

export type TagsService = ReturnType<typeof createTagsService>;
