// Email verification links, shared by the worker (which makes and sends them) and the API
// (which checks them). A link carries 32 random bytes; the database keeps only their SHA-256
// digest with an expiry, so the token is in the email and nowhere else, a newer link replaces
// an older one, and a link works once. No signing key has to leave the API for the worker to
// send one (docs/security.md, "Email verification").
import { createHash, randomBytes } from 'node:crypto';

/** The site's page that posts the token to POST /api/users/verify. */
export const EMAIL_VERIFICATION_PATH = '/verify-email';

/** 32 random bytes, base64url: 43 characters. */
export const VERIFICATION_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

/** What the database stores for a token: hex SHA-256. */
export const verificationDigest = (token: string) =>
  createHash('sha256').update(token).digest('hex');

export function newVerificationToken(): { token: string; digest: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, digest: verificationDigest(token) };
}
