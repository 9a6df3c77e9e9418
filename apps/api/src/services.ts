// The feature services and what they share (the outbox, the application cache, read routing),
// wired in one place: buildApp uses it, and so do the tools that call the services without
// HTTP (the query-plan test, load-tests/capacity/explain-endpoint.ts).
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { PrismaClient } from '@headroom/db/client';
import type { ReadRouting } from '@headroom/db/read-routing';
import type { RelayWakeup } from '@headroom/jobs/relay-wakeup';
import type { FastifyBaseLogger } from 'fastify';
import { createCacheInvalidation } from './cache-invalidation.ts';
import { createArticleCards } from './modules/articles/article-cards.ts';
import { createArticlePages } from './modules/articles/article-pages.ts';
import { createArticlesService } from './modules/articles/articles.service.ts';
import { createCommentsService } from './modules/comments/comments.service.ts';
import { createProfilesService } from './modules/profiles/profiles.service.ts';
import { createTagsService } from './modules/tags/tags.service.ts';
import { createOutbox } from './outbox.ts';

export function createServices(deps: {
  db: PrismaClient;
  reads: ReadRouting;
  cache: VersionedCache;
  /** Wakes the outbox relay after a write (packages/jobs/src/relay-wakeup.ts). */
  relay: Pick<RelayWakeup, 'wake'>;
  log: FastifyBaseLogger;
}) {
  const { db, reads, cache } = deps;
  const invalidate = createCacheInvalidation({ cache, reads, log: deps.log });
  const outbox = createOutbox({
    db,
    afterCommit: async (events) => {
      deps.relay.wake();
      await invalidate(events);
    },
  });
  const profiles = createProfilesService({ db, reads, cache, outbox });
  const cards = createArticleCards({ db, cache, profiles });
  const pages = createArticlePages({ reads, cache });
  return {
    outbox,
    profiles,
    articles: createArticlesService({ db, outbox, pages, cards, profiles }),
    comments: createCommentsService({ db, cache, outbox, cards, profiles }),
    tags: createTagsService({ reads, cache }),
  };
}

export type Services = ReturnType<typeof createServices>;
