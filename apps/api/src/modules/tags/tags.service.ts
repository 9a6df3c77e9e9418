// The tag cloud on the home page: trending tags first, in the order the worker's scheduled
// recompute-trending-tags job ranked them, then every other tag alphabetically (so a tag
// used a moment ago is listed before the next recompute). Cached under the tags generation,
// which a new tag and each recompute bump (docs/caching.md).
import { generationKeys } from '@headroom/cache/keys';
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { ReadRouting } from '@headroom/db/read-routing';

export function createTagsService(deps: {
  reads: Pick<ReadRouting, 'read'>;
  cache: VersionedCache;
}) {
  const { reads, cache } = deps;
  return {
    list(): Promise<string[]> {
      return cache.query('tags', [generationKeys.tags], '', (freshness) =>
        reads.read(async (db) => {
          const tags = await db.tag.findMany({
            orderBy: [{ trending: { rank: 'asc' } }, { name: 'asc' }],
            select: { name: true },
          });
          return tags.map((tag) => tag.name);
        }, freshness),
      );
    },
  };
}

export type TagsService = ReturnType<typeof createTagsService>;
