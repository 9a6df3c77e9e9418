// Who is calling. Tokens are JWTs (HS256) carrying the user id, when their session began and
// the user's token version: any API instance verifies the signature without a session store,
// and one cached lookup per request tells whether the version is still current (a password
// change revokes every older token). docs/security.md, "Accounts and tokens". A route opts in
// to authentication with `config: { auth: 'required' }`; without it, a valid token is still
// read (optional auth).
// The check runs on `onRequest`, before the body is parsed or any row is looked up, so a
// missing token is always a 401, never a 404 or a 422.
import { UnauthorizedError } from '@headroom/errors/http-errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/** Who a valid token speaks for, and which session it belongs to. */
export interface Viewer {
  userId: number;
  /** When the session began (login or registration), in epoch seconds; carried by every token of it. */
  sessionStartedAt: number;
  /** The user's token version when the token was issued; it must still be the current one. */
  tokenVersion: number;
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
 * docs/capacity.md). A signature never stops being valid; expiry, the session's lifetime and the
 * token version are checked on every use. The oldest entry goes first when full: 10,000 tokens
 * of ~250 bytes is ~3 MB.
 */
const VERIFIED_TOKENS_KEPT = 10_000;

/** Custom claims: the session's start (epoch seconds) and the user's token version. */
const SESSION_STARTED_CLAIM = 'sst';
const TOKEN_VERSION_CLAIM = 'ver';

const isCount = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0;

export function createTokenService(options: {
  secret: string;
  /** Each token's own lifetime (JWT_EXPIRES_IN_SECONDS): the idle timeout. */
  expiresInSeconds: number;
  /** No token of a session outlives its start by more than this (SESSION_MAX_AGE_SECONDS). */
  sessionMaxAgeSeconds: number;
}) {
  const key = new TextEncoder().encode(options.secret);
  // One algorithm, named: jose then refuses `alg: none`, other HMACs and any asymmetric header.
  const algorithm = 'HS256';
  const verified = new Map<string, { viewer: Viewer; expiresAtMs: number }>();
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const sessionEndsAt = (sessionStartedAt: number) =>
    sessionStartedAt + options.sessionMaxAgeSeconds;

  /** Expired, or its session is older than the absolute lifetime (which may have been lowered since). */
  const isOver = (viewer: Viewer, expiresAtMs: number) =>
    expiresAtMs <= Date.now() || sessionEndsAt(viewer.sessionStartedAt) * 1000 <= Date.now();

  return {
    /** The current time as tokens record it: a new session starts now. */
    now: nowSeconds,

    /**
     * A token for `session`, expiring after expiresInSeconds or when the session reaches its
     * absolute lifetime, whichever comes first: refreshing never extends a session.
     */
    async issue(session: Viewer): Promise<string> {
      const expiresAt = Math.min(
        nowSeconds() + options.expiresInSeconds,
        sessionEndsAt(session.sessionStartedAt),
      );
      return new SignJWT({
        [SESSION_STARTED_CLAIM]: session.sessionStartedAt,
        [TOKEN_VERSION_CLAIM]: session.tokenVersion,
      })
        .setProtectedHeader({ alg: algorithm })
        .setSubject(String(session.userId))
        .setIssuedAt()
        .setExpirationTime(expiresAt)
        .sign(key);
    },

    /**
     * Who a genuine, unexpired token of a live session speaks for; null for anything else (a
     * token without `exp` included). Whether its version is still current is the caller's check.
     */
    async verify(token: string): Promise<Viewer | null> {
      const known = verified.get(token);
      if (known) {
        if (!isOver(known.viewer, known.expiresAtMs)) return known.viewer;
        verified.delete(token);
        return null;
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [algorithm],
          requiredClaims: ['exp', 'iat', 'sub', SESSION_STARTED_CLAIM, TOKEN_VERSION_CLAIM],
        });
        const viewer = {
          userId: Number(payload.sub),
          sessionStartedAt: payload[SESSION_STARTED_CLAIM],
          tokenVersion: payload[TOKEN_VERSION_CLAIM],
        };
        if (!(isCount(viewer.userId) && viewer.userId > 0)) return null;
        if (!(isCount(viewer.sessionStartedAt) && isCount(viewer.tokenVersion))) return null;
        const checked = viewer as Viewer;
        const expiresAtMs = (payload.exp as number) * 1000;
        if (isOver(checked, expiresAtMs)) return null;
        if (verified.size >= VERIFIED_TOKENS_KEPT) {
          verified.delete(verified.keys().next().value as string);
        }
        verified.set(token, { viewer: checked, expiresAtMs });
        return checked;
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
  async (
    app: FastifyInstance,
    options: {
      tokens: TokenService;
      /** The user's current token version; null when the account no longer exists. */
      currentTokenVersion: (userId: number) => Promise<number | null>;
    },
  ) => {
    app.decorateRequest('viewer', null);
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      if (header) {
        const token = AUTHORIZATION_PATTERN.exec(header)?.[1];
        const viewer = token ? await options.tokens.verify(token) : null;
        // A password or email change since the token was issued revokes it; so does deleting
        // the account. One cached lookup (modules/users/token-versions.ts).
        if (
          viewer === null ||
          (await options.currentTokenVersion(viewer.userId)) !== viewer.tokenVersion
        ) {
          throw UnauthorizedError.invalidToken();
        }
        request.viewer = viewer;
      } else if (request.routeOptions.config.auth === 'required') {
        throw UnauthorizedError.missingToken();
      }
    });
  },
  { name: 'auth' },
);

/** The authenticated user's id; for routes declared with `auth: 'required'`. */
export function viewerId(request: FastifyRequest): number {
  return signedInViewer(request).userId;
}

/** The authenticated viewer with its session; for routes declared with `auth: 'required'`. */
export function signedInViewer(request: FastifyRequest): Viewer {
  if (!request.viewer) throw UnauthorizedError.missingToken();
  return request.viewer;
}
