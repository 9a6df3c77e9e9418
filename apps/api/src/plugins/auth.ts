// Who is calling. Tokens are stateless JWTs (HS256) carrying only the user id, so any API
// instance can verify any token without a session store. A route opts in to authentication
// with `config: { auth: 'required' }`; without it, a valid token is still read (optional auth).
// The check runs on `onRequest`, before the body is parsed or any row is looked up, so a
// missing token is always a 401, never a 404 or a 422.
import { UnauthorizedError } from '@headroom/errors/http-errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

export interface Viewer {
  userId: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | null;
  }
  interface FastifyContextConfig {
    auth?: 'required' | 'optional';
  }
}

/**
 * Tokens whose signature this process has checked, so a token presented again costs a map
 * lookup instead of an HMAC through WebCrypto (about a tenth of a cached read's CPU, profiled in
 * docs/capacity.md). A signature never stops being valid; expiry is checked on every use. The
 * oldest entry goes first when full: 10,000 tokens of ~200 bytes is ~2 MB.
 */
const VERIFIED_TOKENS_KEPT = 10_000;

export function createTokenService(options: { secret: string; expiresInSeconds: number }) {
  const key = new TextEncoder().encode(options.secret);
  const algorithm = 'HS256';
  const verified = new Map<string, { userId: number; expiresAtMs: number }>();

  return {
    async issue(userId: number): Promise<string> {
      return new SignJWT({})
        .setProtectedHeader({ alg: algorithm })
        .setSubject(String(userId))
        .setIssuedAt()
        .setExpirationTime(`${options.expiresInSeconds}s`)
        .sign(key);
    },

    /** The user id in a valid, unexpired token; null for anything else. */
    async verify(token: string): Promise<number | null> {
      const known = verified.get(token);
      if (known) {
        if (known.expiresAtMs > Date.now()) return known.userId;
        verified.delete(token);
        return null;
      }
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [algorithm] });
        const userId = Number(payload.sub);
        if (!(Number.isSafeInteger(userId) && userId > 0)) return null;
        if (payload.exp !== undefined) {
          if (verified.size >= VERIFIED_TOKENS_KEPT) {
            verified.delete(verified.keys().next().value as string);
          }
          verified.set(token, { userId, expiresAtMs: payload.exp * 1000 });
        }
        return userId;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) return null;
        throw error;
      }
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

// RealWorld specifies `Token <jwt>`; `Bearer <jwt>` is accepted too because generic HTTP
// clients and API explorers send it.
const AUTHORIZATION_PATTERN = /^(?:Token|Bearer) +(\S+)$/i;

export const authPlugin = fp(
  async (app: FastifyInstance, options: { tokens: TokenService }) => {
    app.decorateRequest('viewer', null);
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      if (header) {
        const token = AUTHORIZATION_PATTERN.exec(header)?.[1];
        const userId = token ? await options.tokens.verify(token) : null;
        if (userId === null) throw UnauthorizedError.invalidToken();
        request.viewer = { userId };
      } else if (request.routeOptions.config.auth === 'required') {
        throw UnauthorizedError.missingToken();
      }
    });
  },
  { name: 'auth' },
);

/** The authenticated user's id; for routes declared with `auth: 'required'`. */
export function viewerId(request: FastifyRequest): number {
  if (!request.viewer) throw UnauthorizedError.missingToken();
  return request.viewer.userId;
}
