// Where the queues' Redis is (BullMQ, the relay's budgets, the API's rate limits): the variables
// the API and the worker both declare, and the rules between them. One server by URL, or the
// Sentinels that know which server is the primary now (docs/high-availability.md):
//   REDIS_URL=redis://:password@host:6379
//   REDIS_SENTINELS=host-a:26379,host-b:26379,host-c:26379 REDIS_SENTINEL_NAME=queue REDIS_PASSWORD=...
// packages/jobs/src/queue-redis.ts turns the values into connections.
import { Type } from 'typebox';
import type { CrossFieldRule } from './load-env.ts';

/** host:port, comma-separated: the Sentinels a client asks for the primary, in order. */
export const SENTINEL_LIST_PATTERN = '^[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*$';

export const QueueRedisEnv = {
  /** One Redis server, its password in the URL. Exactly one of this and REDIS_SENTINELS. */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /**
   * The Sentinels watching the queues' primary and its replicas, as host:port,...: the apps ask
   * them for the primary on every (re)connection, so a failover needs no restart.
   */
  REDIS_SENTINELS: Type.Optional(Type.String({ pattern: SENTINEL_LIST_PATTERN })),
  /** The name the Sentinels monitor the primary under (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_NAME: Type.Optional(Type.String({ pattern: '^[\\w.-]+$' })),
  /** With REDIS_SENTINELS: the password of the Redis servers and of the Sentinels (one, as the kit deploys them). */
  REDIS_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
};

export interface QueueRedisSettings {
  REDIS_URL?: string | undefined;
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
}

export const queueRedisRules: CrossFieldRule<QueueRedisSettings>[] = [
  {
    variables: ['REDIS_URL', 'REDIS_SENTINELS'],
    message: "set exactly one: the queues' Redis server, or the Sentinels that name its primary",
    holds: (config) => (config.REDIS_URL === undefined) !== (config.REDIS_SENTINELS === undefined),
  },
  {
    variables: ['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME'],
    message: 'the Sentinels need the name they monitor the primary under',
    holds: (config) =>
      config.REDIS_SENTINELS === undefined || config.REDIS_SENTINEL_NAME !== undefined,
  },
  {
    variables: ['REDIS_URL', 'REDIS_PASSWORD'],
    message:
      'a REDIS_URL carries its own password (redis://:password@host:port); REDIS_PASSWORD is for REDIS_SENTINELS',
    holds: (config) => config.REDIS_URL === undefined || config.REDIS_PASSWORD === undefined,
  },
];
