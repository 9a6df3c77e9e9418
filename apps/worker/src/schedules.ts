// Recurring jobs, registered as BullMQ job schedulers. `upsertJobScheduler` is idempotent and
// keyed by the scheduler id, so every worker can register them at start-up and the cluster
// still has one schedule each: BullMQ creates one job per period, whichever worker takes it.
import type { Queues } from '@headroom/jobs/queues';

export async function registerSchedules(
  queues: Pick<Queues, 'recompute-trending-tags' | 'prune-old-rows'>,
  settings: { trendingTagsEverySeconds: number; pruneCron: string },
): Promise<void> {
  await queues['recompute-trending-tags'].upsertJobScheduler(
    'recompute-trending-tags',
    { every: settings.trendingTagsEverySeconds * 1000 },
    { name: 'recompute-trending-tags', data: {} },
  );
  await queues['prune-old-rows'].upsertJobScheduler(
    'prune-old-rows',
    { pattern: settings.pruneCron, tz: 'UTC' },
    { name: 'prune-old-rows', data: {} },
  );
}
