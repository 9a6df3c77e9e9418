// What browsers, the edge and any CDN in front may do with each API response, decided in one
// place for every route: validators (ETag, 304), Cache-Control, Vary, and the cookie that lets
// a writer read past shared caches. The rules, the staleness bound and how the edge applies
// them: docs/cdn.md ("The API's caching").
import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The request carries the cookie set by a successful write within the edge's staleness
     * bound: its reads must not come from anything that may be that stale.
     */
    recentWriter: boolean;
  }
  interface FastifyContextConfig {
    /** `no-store`: never kept anywhere, whoever asks (health and readiness answers). */
    httpCache?: 'no-store';
  }
}

export interface HttpCachingOptions {
  /** How long a shared cache (the edge, a CDN) may serve an anonymous answer as fresh. */
  sharedMaxAgeSeconds: number;
  /** How long after that it may serve it stale while one request fetches a fresh one. */
  staleWhileRevalidateSeconds: number;
  /** How long after that it may serve it stale while the API fails. */
  staleIfErrorSeconds: number;
}

/** The cookie every successful write sets; the edge bypasses its cache for requests with it. */
export const RECENT_WRITER_COOKIE = 'headroom_wrote';

/**
 * Anonymous answers every reader gets alike: a list, an article, a profile, and their 404s
 * (an article that does not exist yet is as public as one that does). A 304 stands for the 200
 * the client already holds (@fastify/static answers its own conditional requests).
 */
const SHARED_STATUSES = new Set([200, 304, 404]);
const READ_METHODS = new Set(['GET', 'HEAD']);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const RECENT_WRITER_PATTERN = new RegExp(`(?:^|;)\\s*${RECENT_WRITER_COOKIE}=([^;]*)`);

/**
 * Seconds an anonymous answer can be older than the data behind it when the edge serves it,
 * while the API answers: fresh for s-maxage, stale for stale-while-revalidate while one request
 * refreshes it, plus one second because nginx keeps expiry times in whole seconds (an answer
 * stored at 10.0 s with s-maxage=1 is fresh until 11.999 s). The recent-writer cookie lives
 * this long.
 */
export function edgeStalenessBoundSeconds(options: HttpCachingOptions): number {
  return options.sharedMaxAgeSeconds + options.staleWhileRevalidateSeconds + 1;
}

export const httpCachingPlugin = fp(
  async (app: FastifyInstance, options: HttpCachingOptions) => {
    // max-age=0: a browser revalidates every use (a 304 when unchanged); s-maxage and the
    // stale-* extensions are for shared caches. nginx reads s-maxage before max-age.
    const sharedCacheControl = [
      'public',
      'max-age=0',
      `s-maxage=${options.sharedMaxAgeSeconds}`,
      `stale-while-revalidate=${options.staleWhileRevalidateSeconds}`,
      `stale-if-error=${options.staleIfErrorSeconds}`,
    ].join(', ');
    const recentWriterCookie = [
      `${RECENT_WRITER_COOKIE}=1`,
      `Max-Age=${edgeStalenessBoundSeconds(options)}`,
      'Path=/api',
      'HttpOnly',
      'SameSite=Lax',
    ].join('; ');

    /**
     * - anonymous GET answers every reader gets alike: public, for shared caches to keep;
     * - signed-in answers (favorited, following) are personal: `private` keeps them out of every
     *   shared cache, `no-cache` lets the browser keep one but ask us before each use, so the
     *   site never shows a personal page older than the last write;
     * - everything else (writes, errors, health) is `no-store`.
     */
    function cacheControlFor(request: FastifyRequest, reply: FastifyReply): string {
      if (request.routeOptions.config.httpCache === 'no-store') return 'no-store';
      if (!READ_METHODS.has(request.method) || !SHARED_STATUSES.has(reply.statusCode)) {
        return 'no-store';
      }
      return request.headers.authorization ? 'private, no-cache' : sharedCacheControl;
    }

    app.decorateRequest('recentWriter', false);
    app.addHook('onRequest', async (request) => {
      const cookies = request.headers.cookie;
      if (cookies?.includes(RECENT_WRITER_COOKIE)) {
        const value = RECENT_WRITER_PATTERN.exec(cookies)?.[1]?.trim();
        // The rule nginx's proxy_cache_bypass applies to the same cookie: set, and not "0".
        request.recentWriter = value !== undefined && value !== '' && value !== '0';
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      reply.header('cache-control', cacheControlFor(request, reply));
      // Every answer depends on who asks, so no shared cache may hand one user's copy to
      // another, or an anonymous copy to a signed-in request.
      varyOnAuthorization(reply);

      if (WRITE_METHODS.has(request.method) && reply.statusCode >= 200 && reply.statusCode < 300) {
        const secure = request.protocol === 'https' ? '; Secure' : '';
        reply.header('set-cookie', recentWriterCookie + secure);
      }

      // Strong validators for what the API renders itself. Streams (the docs page's static
      // files) carry @fastify/static's own ETag and Last-Modified, which it already honours.
      const isBody = typeof payload === 'string' || Buffer.isBuffer(payload);
      if (!READ_METHODS.has(request.method) || reply.statusCode !== 200 || !isBody) return payload;
      const etag = `"${hash('sha1', payload, 'base64url')}"`;
      reply.header('etag', etag);
      if (!matchesIfNoneMatch(request.headers['if-none-match'], etag)) return payload;

      reply.code(304);
      reply.removeHeader('content-type');
      // GET: no body, no Content-Length. HEAD: Fastify's HEAD handler, which runs after this
      // hook, measures the payload for Content-Length (a 304 may state the 200's length) and
      // drops it; it cannot take null.
      return request.method === 'HEAD' ? payload : null;
    });
  },
  { name: 'http-caching' },
);

function varyOnAuthorization(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined) {
    reply.header('vary', 'Authorization');
  } else if (!/(^|,)\s*(authorization|\*)\s*(,|$)/i.test(String(vary))) {
    reply.header('vary', `${vary}, Authorization`);
  }
}

/**
 * RFC 9110 13.1.2: a list of entity tags or `*`, compared weakly (a `W/` prefix on either side
 * is ignored), so a validator a CDN or browser weakened still matches.
 */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
