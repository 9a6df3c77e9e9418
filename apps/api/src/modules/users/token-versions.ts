// The current token version of each user, read on every authenticated request (plugins/auth.ts).
// It is an entity of the application cache: with this process's parsed copy current, a check
// is one MGET of its version key, the one Redis round trip it adds to a signed-in read
// (measured in docs/capacity.md). The `user.updated` rule invalidates it after a password or
// email change (packages/cache/src/invalidation-rules.ts), before the change's response is
// sent; without a cache it is read from Postgres. Filled from the primary, as profiles are: a
// replica behind a password change would hand the revoked version back.
import { entityKeys } from '@headroom/cache/keys';
import type { VersionedCache } from '@headroom/cache/versioned-cache';
import type { PrismaClient } from '@headroom/db/client';

export function createTokenVersions(deps: {
  db: Pick<PrismaClient, '$queryRaw'>;
  cache: Pick<VersionedCache, 'entities'>;
}) {
  const { db, cache } = deps;

  /** The user's token version; null when the account does not exist (any more). */
  return async function currentTokenVersion(userId: number): Promise<number | null> {
    const key = entityKeys.tokenVersion(userId);
    const found = await cache.entities<number>([key], async () => {
      const rows = await db.$queryRaw<{ token_version: number }[]>`
        SELECT token_version FROM users WHERE id = ${userId}`;
      return new Map(rows.map((row) => [key.key, row.token_version]));
    });
    return found.get(key.key) ?? null;
  };
}
