// Database errors and what the client is told about them, in one place. The recognisers below
// read Prisma's stable codes (https://www.prisma.io/docs/orm/reference/error-reference); through
// a driver adapter the constraint's columns arrive in `meta`, whose shape differs by version, so
// the column check looks in every place Prisma puts them. `clientErrorRules` then says which of
// them become which client error (409, 404, 422), for services (`withClientErrors`) and for the
// API's error handler alike; isDatabaseUnavailableError marks the ones that are the API's 503s.
import {
  type ClientError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '@headroom/errors/http-errors';
import { RequestEndedError } from './query-cancellation.ts';

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

/** What a write tells `withClientErrors` it may run into, because another request can cause it. */
export interface ExpectedErrors {
  /** Columns whose unique constraint another row may take first (`email`, `username`). */
  unique?: readonly string[];
  /**
   * The row the write acts on or points at (`article`): deleted between the service's lookup and
   * its write, the client gets the 404 that lookup would have given a moment later.
   */
  vanished?: string;
  /** What a vanished row means instead of a 404 (the viewer's own account: the token is void). */
  vanishedMeans?: () => ClientError;
}

/**
 * The database errors that are the client's to know, and the client error each becomes; the
 * first row that gives one wins. `anyQuery` rows hold for every statement, so they are left to
 * the API's error handler, which logs them: a schema let through what the database refused.
 * The others need the write's ExpectedErrors and are mapped where the write is.
 */
export const clientErrorRules: {
  cause: string;
  anyQuery: boolean;
  toClientError: (error: unknown, expected: ExpectedErrors) => ClientError | undefined;
}[] = [
  {
    cause: 'a unique constraint on an expected column (P2002)',
    anyQuery: false,
    toClientError: (error, { unique = [] }) => {
      const fields = unique.filter((column) => isUniqueViolation(error, column));
      return fields.length > 0 ? new ConflictError(...fields) : undefined;
    },
  },
  {
    cause: 'the expected row vanished (P2025, or its foreign key: P2003, P2010 from raw SQL)',
    anyQuery: false,
    toClientError: (error, { vanished, vanishedMeans }) => {
      if (vanished === undefined) return undefined;
      if (!(isRecordNotFound(error) || isForeignKeyViolation(error, `${vanished}_id`))) {
        return undefined;
      }
      return vanishedMeans?.() ?? new NotFoundError(vanished);
    },
  },
  {
    cause: 'a value the database cannot store (P2020, SQLSTATE 22021, 22P05, 22003)',
    anyQuery: true,
    toClientError: (error) =>
      isInvalidDataError(error)
        ? new ValidationError({ request: ['contains a value the database cannot store'] })
        : undefined,
  },
];

/** The client error `error` becomes under clientErrorRules, or undefined if it is not one. */
export function clientErrorOf(
  error: unknown,
  expected: ExpectedErrors = {},
): ClientError | undefined {
  return firstClientError(clientErrorRules, error, expected);
}

const expectedErrorRules = clientErrorRules.filter((rule) => !rule.anyQuery);

function firstClientError(
  rules: typeof clientErrorRules,
  error: unknown,
  expected: ExpectedErrors,
): ClientError | undefined {
  for (const rule of rules) {
    const clientError = rule.toClientError(error, expected);
    if (clientError) return clientError;
  }
  return undefined;
}

/**
 * Runs `write`; if it fails with one of the `expected` errors (a unique value taken, a row
 * deleted meanwhile by another request), throws the client error for it instead of a 500.
 */
export async function withClientErrors<T>(
  expected: ExpectedErrors,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw firstClientError(expectedErrorRules, error, expected) ?? error;
  }
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

/**
 * SQLSTATE classes and codes that say the database could not serve the statement now, not that
 * the statement was wrong: 08 (connection exceptions; PgBouncer reports its own waits and
 * refusals, e.g. `query_wait_timeout`, as 08P01), 57 (operator intervention: 57014 a statement
 * timeout or cancellation, 57P01-57P03 a server shutting down, restarting or starting up),
 * 53300 (too many connections) and 25P03 (idle in transaction for too long).
 */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '57'];
const UNAVAILABLE_SQLSTATES = new Set(['53300', '25P03']);
/** The driver adapter's names for a connection it could not open or lost (adapter-pg 7.10). */
const UNAVAILABLE_DRIVER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/**
 * Prisma's codes for the same: P1001 cannot reach, P1002 timed out, P1008 operation timed out,
 * P1017 connection closed, P2024 no pooled connection in time, P2028 a transaction that could not
 * start or outlived its timeout (https://www.prisma.io/docs/orm/reference/error-reference).
 */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
/**
 * node-postgres reports these as plain Errors, which the adapter passes on as they are: its pool
 * found no free connection within `connectionTimeoutMillis` (pg-pool), or the server closed the
 * socket under a query (pg's client).
 */
const UNAVAILABLE_DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
];

/**
 * The database (or PgBouncer in front of it) could not serve the query now: it is down,
 * restarting, out of connections, or the statement ran out of time. Nothing in the request is
 * at fault, and the same request may well succeed shortly: the API answers 503 with Retry-After.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (error instanceof RequestEndedError) return true;
  if (
    error instanceof Error &&
    UNAVAILABLE_DRIVER_MESSAGES.some((message) => error.message.startsWith(message))
  ) {
    return true;
  }
  if (!isKnownRequestError(error)) {
    // Prisma's initialisation errors (no server at start) carry their code as `errorCode`.
    const code = (error as { errorCode?: unknown }).errorCode;
    return typeof code === 'string' && UNAVAILABLE_PRISMA_CODES.has(code);
  }
  if (UNAVAILABLE_PRISMA_CODES.has(error.code)) return true;
  const cause = driverErrorCause(error);
  if (typeof cause?.kind === 'string' && UNAVAILABLE_DRIVER_KINDS.has(cause.kind)) return true;
  const sqlState = cause?.originalCode;
  return (
    typeof sqlState === 'string' &&
    (UNAVAILABLE_SQLSTATES.has(sqlState) ||
      UNAVAILABLE_SQLSTATE_CLASSES.includes(sqlState.slice(0, 2)))
  );
}
