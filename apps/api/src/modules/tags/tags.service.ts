// The tag cloud on the home page: trending tags first, in the order the worker's scheduled
// recompute-trending-tags job ranked them, then the newest tags (so a tag used a moment ago is
// listed before the next recompute), TAG_CLOUD_SIZE in all: the table grows with every new
// tag, the answer does not. Cached under the tags generation, which a new tag and each
// recompute bump (docs/caching.md).
import { generationKeys } from '@headroom/cache/keys';
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { ReadRouting } from '@headroom/db/read-routing';

/**
 * Tags in one answer. The trending ones (TRENDING_TAGS_LIMIT, 20, in the worker) fill a fifth;
 * the rest are the newest, so a new tag stays listed until 80 newer ones are made. Every
 * other tag is still one click away, as a filter (`GET /api/articles?tag=`).
 */
export const TAG_CLOUD_SIZE = 100;

export function createTagsService(deps: {
  reads: Pick<ReadRouting, 'read'>;
  cache: VersionedCache;
}) {
  const { reads, cache } = deps;
  return {
    list(): Promise<string[]> {
      return cache.query('tags', [generationKeys.tags], '', (freshness) =>
        reads.read(async (db) => {
          // The trending table (at most TRENDING_TAGS_LIMIT rows) and one walk of tags' primary
          // key backwards, stopping at TAG_CLOUD_SIZE rows, rather than sorting every tag there is.
          const [trending, newest] = await Promise.all([
            db.trendingTag.findMany({
              orderBy: { rank: 'asc' },
              take: TAG_CLOUD_SIZE,
              select: { tag: { select: { name: true } } },
            }),
            db.tag.findMany({
              orderBy: { id: 'desc' },
              take: TAG_CLOUD_SIZE,
              select: { name: true },
            }),
          ]);
          const names = new Set(trending.map((row) => row.tag.name));
          for (const tag of newest) names.add(tag.name);
          return [...names].slice(0, TAG_CLOUD_SIZE);
        }, freshness),
      );
    },
  };
}

export type TagsService = ReturnType<typeof createTagsService>;
