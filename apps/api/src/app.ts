// buildApp(deps) assembles the HTTP application from its parts and never listens: main.ts
// does that, and tests call buildApp with their own dependencies and use `app.inject`.
// Every plugin and module is registered here, explicitly, in the order requests meet them.
import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import {
  createPassThroughCache,
  createVersionedCache,
  type VersionedCache,
} from '@headroom/cache/versioned-cache';
import { connectionPoolOf, type PrismaClient } from '@headroom/db/client';
import { onItsOwnDeadline } from '@headroom/db/query-cancellation';
import type { ReadRouting } from '@headroom/db/read-routing';
import { createRelayWakeup, RELAY_NOTIFY_SQL } from '@headroom/jobs/relay-wakeup';
import Fastify, {
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { Registry } from 'prom-client';
import type { ApiConfig } from './config.ts';
import { articlesRoutes } from './modules/articles/articles.routes.ts';
import { commentsRoutes } from './modules/comments/comments.routes.ts';
import { notificationsRoutes } from './modules/notifications/notifications.routes.ts';
import { createNotificationsService } from './modules/notifications/notifications.service.ts';
import { profilesRoutes } from './modules/profiles/profiles.routes.ts';
import { tagsRoutes } from './modules/tags/tags.routes.ts';
import { createPasswordHasher } from './modules/users/passwords.ts';
import { createTokenVersions } from './modules/users/token-versions.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { authPlugin, createTokenService } from './plugins/auth.ts';
import { corsPlugin } from './plugins/cors.ts';
import { errorHandlerPlugin } from './plugins/error-handler.ts';
import { answerClientError, answerFrameworkError } from './plugins/framework-errors.ts';
import { healthPlugin } from './plugins/health.ts';
import { httpCachingPlugin } from './plugins/http-caching.ts';
import { jsonBodyPlugin } from './plugins/json-body.ts';
import { loadSheddingPlugin } from './plugins/load-shedding.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { nulCharactersPlugin } from './plugins/nul-characters.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { limitClassesFrom, rateLimitPlugin } from './plugins/rate-limit.ts';
import { requestDeadlinePlugin } from './plugins/request-deadline.ts';
import { createServices } from './services.ts';

export interface AppDeps {
  config: ApiConfig;
  /** The primary, for writes and the reads that must see them. */
  db: PrismaClient;
  /** Where other reads go: a replica that has caught up, else the primary. */
  reads: ReadRouting;
  /** Rate limits and readiness (the queues' Redis). */
  redis: Redis;
  /** The application cache's own Redis; without one every read goes to Postgres. */
  cacheRedis?: Redis;
  metrics: Registry;
  /** Prefix for this deployment's rate-limit keys; tests give each app its own. */
  redisKeyPrefix?: string;
}

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;
/** Node's default maximum header size, which the request line counts towards. */
const MAX_PATH_PARAMETER_LENGTH = 16 * 1024;

export type App = Awaited<ReturnType<typeof buildApp>>;

export async function buildApp(deps: AppDeps) {
  const { config } = deps;
  const keyPrefix = deps.redisKeyPrefix ?? 'headroom';
  const app = Fastify({
    logger: loggerOptions(config),
    logController: new OneLinePerRequest(),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // Client addresses (for rate limits and logs) come from X-Forwarded-For only through
    // the configured number of our own proxies, never from whatever a client claims. A function,
    // because Fastify (5.12, as pinned) treats a number here as "trust nothing" (a hop count
    // alone cannot vouch for the immediate peer), which would ignore TRUSTED_PROXY_HOPS.
    trustProxy: (_address, hop) => hop < config.TRUSTED_PROXY_HOPS,
    // A request id from the load balancer is kept so one id follows a request through every
    // hop; anything that does not look like an id is replaced rather than logged verbatim.
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)
        ? incoming
        : randomUUID();
    },
    // A path parameter of any length reaches its schema, which names the field in a 422;
    // the router's default (100 characters) answered 414 to a parameter the schema allows.
    // Node's header size limit (16 KiB, the URL included) still bounds every parameter.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    // A malformed URL or request, refused before any route: in the RealWorld error shape.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated exactly as sent; query strings and params are converted ("20" -> 20).
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Once close() has begun, every response tells its client to reconnect elsewhere; otherwise
  // an idle keep-alive socket would hold shutdown open until SHUTDOWN_TIMEOUT_MS.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  await app.register(errorHandlerPlugin, {
    retryAfterSeconds: config.UNAVAILABLE_RETRY_AFTER_SECONDS,
  });
  // First after the error handler: a request refused for overload costs as little as possible.
  await app.register(loadSheddingPlugin, {
    maxEventLoopDelayMs: config.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
    sampleIntervalMs: config.LOAD_SHED_SAMPLE_INTERVAL_MS,
    maxPoolWaiters: config.LOAD_SHED_MAX_POOL_WAITERS,
    pool: connectionPoolOf(deps.db),
    registry: deps.metrics,
  });
  await app.register(requestDeadlinePlugin, { deadlineMs: config.REQUEST_DEADLINE_MS });
  await app.register(httpCachingPlugin, {
    sharedMaxAgeSeconds: config.HTTP_CACHE_SHARED_MAX_AGE_SECONDS,
    staleWhileRevalidateSeconds: config.HTTP_CACHE_STALE_WHILE_REVALIDATE_SECONDS,
    staleIfErrorSeconds: config.HTTP_CACHE_STALE_IF_ERROR_SECONDS,
  });
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(corsPlugin, { allowedOrigins: config.CORS_ORIGINS });
  await app.register(jsonBodyPlugin);
  await app.register(nulCharactersPlugin);
  await app.register(metricsPlugin, { registry: deps.metrics });
  await app.register(rateLimitPlugin, {
    redis: deps.redis,
    keyPrefix: `${keyPrefix}:rate-limit:`,
    classes: limitClassesFrom(config),
  });
  await app.register(openApiPlugin);

  const tokens = createTokenService({
    secret: config.JWT_SECRET,
    expiresInSeconds: config.JWT_EXPIRES_IN_SECONDS,
    sessionMaxAgeSeconds: config.SESSION_MAX_AGE_SECONDS,
  });
  const passwords = createPasswordHasher({
    memoryKib: config.PASSWORD_HASH_MEMORY_KIB,
    iterations: config.PASSWORD_HASH_ITERATIONS,
    maxInFlight: config.PASSWORD_HASH_MAX_IN_FLIGHT,
  });

  const cache: VersionedCache = deps.cacheRedis
    ? createVersionedCache({
        redis: deps.cacheRedis,
        keyPrefix: config.CACHE_KEY_PREFIX,
        ttlSeconds: config.CACHE_TTL_SECONDS,
        breakerCooldownMs: config.CACHE_BREAKER_COOLDOWN_MS,
        localEntries: config.CACHE_LOCAL_ENTRIES,
        registry: deps.metrics,
        log: app.log,
        // A fill others wait on ends on its own deadline, not with the request that started it.
        runShared: (load) => onItsOwnDeadline(config.REQUEST_DEADLINE_MS, load),
      })
    : createPassThroughCache();
  const { db, reads } = deps;
  const relay = createRelayWakeup({
    // A trailing wake-up runs after the request that asked for it may have ended.
    notify: () =>
      onItsOwnDeadline(config.REQUEST_DEADLINE_MS, () => db.$executeRawUnsafe(RELAY_NOTIFY_SQL)),
    intervalMs: config.OUTBOX_NOTIFY_INTERVAL_MS,
    onError: (error) => app.log.warn({ err: error }, 'could not wake the outbox relay'),
  });
  app.addHook('onClose', async () => relay.close());
  const services = createServices({ db, reads, cache, relay, log: app.log });
  const { outbox, profiles, articles, comments, tags } = services;

  await app.register(
    async (api) => {
      await api.register(authPlugin, {
        tokens,
        currentTokenVersion: createTokenVersions({ db, cache }),
      });
      await api.register(healthPlugin, { db: deps.db, redis: deps.redis, reads: deps.reads });
      await api.register(usersRoutes, {
        users: createUsersService({
          db,
          outbox,
          passwords,
          tokens,
          recentAuthSeconds: config.RECENT_AUTH_SECONDS,
          verificationResendIntervalSeconds: config.EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS,
        }),
      });
      await api.register(profilesRoutes, { profiles });
      await api.register(articlesRoutes, { articles });
      await api.register(commentsRoutes, { comments });
      await api.register(tagsRoutes, { tags });
      await api.register(notificationsRoutes, {
        notifications: createNotificationsService({ db: deps.db }),
      });
    },
    { prefix: '/api' },
  );

  return app;
}

/**
 * One log line per request, when it completes, with the request in it: Fastify's default writes
 * a second one at `info` as it arrives, and every line costs (docs/capacity.md, "A leaner hot
 * path"). The arrival is still there at `debug`.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(request: FastifyRequest) {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

function loggerOptions(config: ApiConfig): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    // Tokens and passwords never reach the logs, whatever a future log line includes.
    redact: {
      paths: ['req.headers.authorization', '*.password', '*.passwordHash', '*.token'],
      censor: '[redacted]',
    },
    ...(config.LOG_BUFFER_BYTES > 0 && { stream: bufferedStdout(config) }),
  };
}

/** Standard output written asynchronously in LOG_BUFFER_BYTES chunks (pino flushes it on exit). */
function bufferedStdout(config: ApiConfig) {
  const stream = pino.destination({ dest: 1, sync: false, minLength: config.LOG_BUFFER_BYTES });
  const flush = setInterval(() => {
    try {
      stream.flush();
    } catch {
      // Closed at shutdown between two ticks: nothing left to write.
    }
  }, config.LOG_FLUSH_INTERVAL_MS);
  flush.unref();
  stream.on('close', () => clearInterval(flush));
  return stream;
}
