// The tag cloud on the home page.
import type { PrismaClient } from '@headroom/db/client';

type Db = Pick<PrismaClient, 'tag'>;

export function createTagsService({ db }: { db: Db }) {
  return {
    async list(): Promise<string[]> {
      const tags = await db.tag.findMany({ orderBy: { name: 'asc' }, select: { name: true } });
      return tags.map((tag) => tag.name);
    },
  };
}

export type TagsService = ReturnType<typeof createTagsService>;
