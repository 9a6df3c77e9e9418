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

export function createTokenService(options: { secret: string; expiresInSeconds: number }) {
  const key = new TextEncoder().encode(options.secret);
  const algorithm = 'HS256';

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
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [algorithm] });
        const userId = Number(payload.sub);
        return Number.isSafeInteger(userId) && userId > 0 ? userId : null;
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
