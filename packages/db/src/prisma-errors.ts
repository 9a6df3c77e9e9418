// Recognising the database errors that callers turn into client errors. Prisma reports them
// with stable codes (https://www.prisma.io/docs/orm/reference/error-reference); through a
// driver adapter the constraint's columns arrive in `meta`, whose shape differs by version,
// so the field check looks in every place Prisma puts them.

interface KnownRequestError {
  code: string;
  meta?: Record<string, unknown>;
  message: string;
}

function isKnownRequestError(error: unknown): error is KnownRequestError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^P\d{4}$/.test((error as { code: string }).code)
  );
}

/** P2002: a unique constraint refused the write; with `field`, only if that column is involved. */
export function isUniqueViolation(error: unknown, field?: string): boolean {
  if (!isKnownRequestError(error) || error.code !== 'P2002') return false;
  if (field === undefined) return true;
  // The column appears as a field name (`target: ["slug"]`) or inside a constraint name
  // (`articles_slug_key`), so `_` counts as a separator. The message is not used: its wording
  // depends on errorFormat, which Prisma sets to "minimal" in production.
  return new RegExp(`(?:^|[^a-zA-Z0-9])${field}(?:[^a-zA-Z0-9]|$)`).test(
    JSON.stringify(error.meta ?? {}),
  );
}

/** P2025: an update or delete found no row to act on. */
export function isRecordNotFound(error: unknown): boolean {
  return isKnownRequestError(error) && error.code === 'P2025';
}
