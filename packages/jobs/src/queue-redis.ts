// Every connection to the queues' Redis (BullMQ's queues and workers, the relay's budgets, the
// API's rate limits and readiness, the jobs CLI) is built here, from one description of where
// that Redis is: a single server (REDIS_URL), or the Sentinels that name its primary
// (REDIS_SENTINELS, packages/config/src/queue-redis-env.ts). Through Sentinels, ioredis asks
// for the primary on every connection and reconnection, so when Sentinel promotes a replica the
// processes follow it without a restart (docs/high-availability.md). Each caller adds the
// options of its role: BullMQ workers wait forever, producers and the API fail fast.
import type { QueueRedisSettings } from '@headroom/config/queue-redis-env';
import { Redis, type RedisOptions } from 'ioredis';

export interface SentinelAddress {
  host: string;
  port: number;
}

export type QueueRedisTarget =
  | { kind: 'server'; url: string }
  | { kind: 'sentinels'; sentinels: SentinelAddress[]; name: string; password?: string };

/** The target a validated config names (its rules guarantee exactly one of the two). */
export function queueRedisTarget(settings: QueueRedisSettings): QueueRedisTarget {
  if (settings.REDIS_SENTINELS !== undefined) {
    return {
      kind: 'sentinels',
      sentinels: parseSentinels(settings.REDIS_SENTINELS),
      name: settings.REDIS_SENTINEL_NAME ?? '',
      ...(settings.REDIS_PASSWORD !== undefined && { password: settings.REDIS_PASSWORD }),
    };
  }
  if (settings.REDIS_URL === undefined) {
    throw new Error("neither REDIS_URL nor REDIS_SENTINELS says where the queues' Redis is");
  }
  return { kind: 'server', url: settings.REDIS_URL };
}

/** `host:port,host:port` (SENTINEL_LIST_PATTERN) as addresses. */
export function parseSentinels(list: string): SentinelAddress[] {
  return list.split(',').map((entry) => {
    const separator = entry.lastIndexOf(':');
    return { host: entry.slice(0, separator), port: Number(entry.slice(separator + 1)) };
  });
}

/**
 * A connection to the queues' primary with the caller's `options` (lazyConnect, timeouts,
 * retries). Through Sentinels, one password serves the servers and the Sentinels, as the kit
 * deploys them (infra/native/services.sh, infra/k8s/base/redis-queue/).
 */
export function createQueueRedisConnection(
  target: QueueRedisTarget,
  options: RedisOptions = {},
): Redis {
  if (target.kind === 'server') return new Redis(target.url, options);
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    ...(target.password !== undefined && {
      password: target.password,
      sentinelPassword: target.password,
    }),
    // Sentinel announces a promotion (+switch-master) to its subscribers: ioredis then leaves
    // the old primary at once, instead of only when that connection fails. An old primary cut
    // off by the network, rather than stopped, would otherwise keep taking this client's jobs.
    failoverDetector: true,
  });
}

/** Where the target is, for messages: no password. */
export function describeQueueRedis(target: QueueRedisTarget): string {
  if (target.kind === 'server') return new URL(target.url).host;
  const sentinels = target.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
  return `the primary '${target.name}' of the Sentinels ${sentinels}`;
}
