// Rate limits whose counters live in Redis, so a limit holds across every API instance behind
// the load balancer instead of multiplying by the number of replicas. Every route that writes
// names its class (`config: { limitedAs: 'commentWrites' }`); a writing route without one stops
// start-up. A class counts each request against several limits at once (per user, per address,
// per address and email) and says whether it fails open or closed when Redis is unreachable:
// the numbers and each choice are explained in docs/security.md, "Rate limits".
import { createHash } from 'node:crypto';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { ServiceUnavailableError, TooManyRequestsError } from '@headroom/errors/http-errors';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { ApiConfig } from '../config.ts';
import { ErrorResponse } from './error-handler.ts';

export const LIMIT_CLASSES = [
  'login',
  'registration',
  'userUpdates',
  'articleWrites',
  'commentWrites',
  'favorites',
  'follows',
  'notificationReads',
] as const;
export type LimitClass = (typeof LIMIT_CLASSES)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The rate limits this route counts against; every route that writes names one. */
    limitedAs?: LimitClass;
  }
}

/** What a counter is kept per. Every key is short whatever the request holds. */
export type LimitScope = 'user' | 'address' | 'addressAndEmail';

export interface Limit {
  scope: LimitScope;
  max: number;
  windowSeconds: number;
}

export interface LimitClassSettings {
  limits: Limit[];
  /**
   * With Redis unreachable: 'open' lets requests through (the write path keeps working, unlimited
   * for the outage); 'closed' answers 503, for routes whose abuse costs more than their absence.
   */
  whenRedisDown: 'open' | 'closed';
}

/** IPv6 clients are counted per /64: one subscriber usually gets a whole /64 to rotate through. */
const IPV6_PREFIX_BITS = 64;
/**
 * A 503 from a fail-closed limit asks the client to come back after this: Redis commands time
 * out after 1 s (redis.ts) and ioredis reconnects within a few, so a sooner retry mostly fails.
 */
export const LIMITER_DOWN_RETRY_AFTER_SECONDS = 5;
/** The longest email the login schema accepts; anything else is keyed as one "invalid" email. */
const MAX_EMAIL_LENGTH = 254;
const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const rateLimitPlugin = fp(
  async (
    app: FastifyInstance,
    options: { redis: Redis; keyPrefix: string; classes: Record<LimitClass, LimitClassSettings> },
  ) => {
    await app.register(rateLimit, {
      global: false,
      redis: options.redis,
      nameSpace: options.keyPrefix,
    });

    const checks = Object.fromEntries(
      LIMIT_CLASSES.map((name) => [name, classCheck(app, name, options.classes[name])]),
    ) as Record<LimitClass, (request: FastifyRequest, reply: FastifyReply) => Promise<void>>;

    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = [route.method].flat();
      const limitClass = route.config?.limitedAs;
      if (!limitClass) {
        if (methods.some((method) => !READ_ONLY_METHODS.has(method))) {
          throw new Error(`${methods.join(',')} ${route.url} writes but names no config.limitedAs`);
        }
        return;
      }
      // After authentication (onRequest) and body parsing, so the user and the login email are
      // known; before validation, so malformed attempts count too.
      route.preValidation = [route.preValidation ?? []].flat().concat(checks[limitClass]);
      // Documented, so the OpenAPI document lists what a limited route can answer.
      const closed = options.classes[limitClass].whenRedisDown === 'closed';
      route.schema = {
        ...route.schema,
        response: {
          ...(route.schema?.response as object | undefined),
          429: ErrorResponse,
          ...(closed && { 503: ErrorResponse }),
        },
      };
    });
  },
  { name: 'rate-limit' },
);

function classCheck(app: FastifyInstance, name: LimitClass, settings: LimitClassSettings) {
  const counters = settings.limits.map((limit) => ({
    scope: limit.scope,
    count: app.createRateLimit({
      max: limit.max,
      timeWindow: limit.windowSeconds * 1000,
      keyGenerator: (request) => `${name}:${limit.scope}:${scopeKey(limit.scope, request)}`,
      // Handled below, per class: fail open or closed.
      skipOnError: false,
    }),
  }));

  return async (request: FastifyRequest, reply: FastifyReply) => {
    let results: Awaited<ReturnType<(typeof counters)[number]['count']>>[];
    try {
      results = await Promise.all(counters.map((counter) => counter.count(request)));
    } catch (error) {
      if (settings.whenRedisDown === 'open') {
        request.log.warn({ err: error, limitClass: name }, 'rate limit skipped: Redis unavailable');
        return;
      }
      request.log.warn({ err: error, limitClass: name }, 'rate limit refused: Redis unavailable');
      reply.header('retry-after', LIMITER_DOWN_RETRY_AFTER_SECONDS);
      throw new ServiceUnavailableError('rate limiter');
    }
    const exceeded = results.filter((result) => !result.isAllowed && result.isExceeded);
    if (exceeded.length === 0) return;
    const retryAfter = Math.max(
      1,
      ...exceeded.map((result) => (result.isAllowed ? 0 : result.ttlInSeconds)),
    );
    reply.header('retry-after', retryAfter);
    throw new TooManyRequestsError();
  };
}

function scopeKey(scope: LimitScope, request: FastifyRequest): string {
  const address = normalizeIP(request.ip, IPV6_PREFIX_BITS);
  if (scope === 'address') return address;
  if (scope === 'addressAndEmail') return `${address}:${emailDigest(request.body)}`;
  // Every route limited per user requires a token, so the viewer is known here.
  return String(request.viewer?.userId ?? 'anonymous');
}

/**
 * The login email, normalised and hashed: a key never holds what the client sent, so a 250 KB
 * "email" costs Redis as little as a real one. The body is not validated yet at this point.
 */
function emailDigest(body: unknown): string {
  const email = (body as { user?: { email?: unknown } } | undefined)?.user?.email;
  if (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH) return 'invalid';
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
}

type RateLimitSettings = Pick<
  ApiConfig,
  | 'LOGIN_RATE_LIMIT_MAX'
  | 'LOGIN_RATE_LIMIT_WINDOW_SECONDS'
  | 'LOGIN_ADDRESS_RATE_LIMIT_MAX'
  | 'REGISTER_RATE_LIMIT_MAX'
  | 'REGISTER_RATE_LIMIT_WINDOW_SECONDS'
  | 'WRITE_RATE_LIMIT_WINDOW_SECONDS'
  | 'USER_UPDATE_RATE_LIMIT_PER_USER'
  | 'USER_UPDATE_RATE_LIMIT_PER_ADDRESS'
  | 'ARTICLE_WRITE_RATE_LIMIT_PER_USER'
  | 'ARTICLE_WRITE_RATE_LIMIT_PER_ADDRESS'
  | 'COMMENT_WRITE_RATE_LIMIT_PER_USER'
  | 'COMMENT_WRITE_RATE_LIMIT_PER_ADDRESS'
  | 'FAVORITE_RATE_LIMIT_PER_USER'
  | 'FAVORITE_RATE_LIMIT_PER_ADDRESS'
  | 'FOLLOW_RATE_LIMIT_PER_USER'
  | 'FOLLOW_RATE_LIMIT_PER_ADDRESS'
  | 'NOTIFICATION_READ_RATE_LIMIT_PER_USER'
  | 'NOTIFICATION_READ_RATE_LIMIT_PER_ADDRESS'
  | 'RATE_LIMIT_MULTIPLIER'
>;

/** Each class's limits from the configuration, and whether it fails open or closed. */
export function limitClassesFrom(
  config: RateLimitSettings,
): Record<LimitClass, LimitClassSettings> {
  const limit = (scope: LimitScope, max: number, windowSeconds: number): Limit => ({
    scope,
    max: max * config.RATE_LIMIT_MULTIPLIER,
    windowSeconds,
  });
  const writes = (perUser: number, perAddress: number, whenRedisDown: 'open' | 'closed') => ({
    limits: [
      limit('user', perUser, config.WRITE_RATE_LIMIT_WINDOW_SECONDS),
      limit('address', perAddress, config.WRITE_RATE_LIMIT_WINDOW_SECONDS),
    ],
    whenRedisDown,
  });
  return {
    // Closed: without the limit, every attempt is a free password guess and an argon2 verify.
    login: {
      limits: [
        limit(
          'addressAndEmail',
          config.LOGIN_RATE_LIMIT_MAX,
          config.LOGIN_RATE_LIMIT_WINDOW_SECONDS,
        ),
        limit(
          'address',
          config.LOGIN_ADDRESS_RATE_LIMIT_MAX,
          config.LOGIN_RATE_LIMIT_WINDOW_SECONDS,
        ),
      ],
      whenRedisDown: 'closed',
    },
    // Open: signing up is how a visitor becomes a user, and it keeps working while Redis is
    // down (the outbox holds its events: apps/worker/test/redis-outage.int.test.ts); accounts
    // made in bulk meanwhile still cannot sign in more than the closed login limit allows.
    registration: {
      limits: [
        limit('address', config.REGISTER_RATE_LIMIT_MAX, config.REGISTER_RATE_LIMIT_WINDOW_SECONDS),
      ],
      whenRedisDown: 'open',
    },
    // Closed: an argon2 hash per password change is the most CPU one request can ask for.
    userUpdates: writes(
      config.USER_UPDATE_RATE_LIMIT_PER_USER,
      config.USER_UPDATE_RATE_LIMIT_PER_ADDRESS,
      'closed',
    ),
    // Open: the product's everyday writes, each one row; refusing them all is a worse outage
    // than a few minutes without limits, and load shedding still bounds the total.
    articleWrites: writes(
      config.ARTICLE_WRITE_RATE_LIMIT_PER_USER,
      config.ARTICLE_WRITE_RATE_LIMIT_PER_ADDRESS,
      'open',
    ),
    commentWrites: writes(
      config.COMMENT_WRITE_RATE_LIMIT_PER_USER,
      config.COMMENT_WRITE_RATE_LIMIT_PER_ADDRESS,
      'open',
    ),
    favorites: writes(
      config.FAVORITE_RATE_LIMIT_PER_USER,
      config.FAVORITE_RATE_LIMIT_PER_ADDRESS,
      'open',
    ),
    follows: writes(
      config.FOLLOW_RATE_LIMIT_PER_USER,
      config.FOLLOW_RATE_LIMIT_PER_ADDRESS,
      'open',
    ),
    notificationReads: writes(
      config.NOTIFICATION_READ_RATE_LIMIT_PER_USER,
      config.NOTIFICATION_READ_RATE_LIMIT_PER_ADDRESS,
      'open',
    ),
  };
}
