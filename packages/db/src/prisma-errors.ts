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
  return field === undefined || namesColumn(error, field);
}

/**
 * A foreign key refused the write because the row it points at does not exist (any more):
 * P2003 from a model query, or P2010 with the driver's ForeignKeyConstraintViolation from a raw
 * one; with `column`, only that foreign key (`article_id` in `favorites_article_id_fkey`).
 */
export function isForeignKeyViolation(error: unknown, column?: string): boolean {
  if (!isKnownRequestError(error)) return false;
  const raw =
    error.code === 'P2010' && driverErrorCause(error)?.kind === 'ForeignKeyConstraintViolation';
  if (error.code !== 'P2003' && !raw) return false;
  return column === undefined || namesColumn(error, column);
}

/** P2025: an update or delete found no row to act on (or a `...OrThrow` read found none). */
export function isRecordNotFound(error: unknown): boolean {
  return isKnownRequestError(error) && error.code === 'P2025';
}

/**
 * SQLSTATEs of values Postgres refuses to store or compare, whatever the query: text holding
 * U+0000 (22021, or 22P05 inside JSON) and a number out of its column's range (22003).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const INVALID_DATA_SQLSTATES = new Set(['22021', '22P05', '22003']);

/**
 * The query carried a value the database cannot hold: P2020 (value out of range), or a driver
 * error with one of INVALID_DATA_SQLSTATES. The request's data is at fault, not the server.
 */
export function isInvalidDataError(error: unknown): boolean {
  if (!isKnownRequestError(error)) return false;
  if (error.code === 'P2020') return true;
  const cause = driverErrorCause(error);
  return typeof cause?.originalCode === 'string' && INVALID_DATA_SQLSTATES.has(cause.originalCode);
}

/** What the driver adapter said went wrong, when Prisma passes it on in `meta`. */
function driverErrorCause(
  error: KnownRequestError,
): { kind?: unknown; originalCode?: unknown } | undefined {
  return (error.meta?.driverAdapterError as { cause?: { kind?: unknown; originalCode?: unknown } })
    ?.cause;
}

/**
 * The column appears as a field name (`target: ["slug"]`) or inside a constraint name
 * (`articles_slug_key`), so `_` counts as a separator. The message is not used: its wording
 * depends on errorFormat, which Prisma sets to "minimal" in production.
 */
function namesColumn(error: KnownRequestError, column: string): boolean {
  return new RegExp(`(?:^|[^a-zA-Z0-9])${column}(?:[^a-zA-Z0-9]|$)`).test(
    JSON.stringify(error.meta ?? {}),
  );
}
