// The one way a process gets a PrismaClient: Prisma 7's query compiler over node-postgres
// through @prisma/adapter-pg. The pool size and name come from the caller's config; the wait
// for a connection has a default here (DEFAULT_CONNECTION_TIMEOUT_MS) that a caller may override.
// The pool is made here, not by the adapter, so the API can see its queue (connectionPoolOf)
// and cancel a request's queries when the request ends (query-cancellation.ts).
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { type Prisma, PrismaClient } from './generated/prisma/client.ts';
import { CancellablePool } from './query-cancellation.ts';

export { Prisma, PrismaClient } from './generated/prisma/client.ts';

export type PrismaClientSettings = {
  databaseUrl: string;
  /**
   * Connections this process may hold. Replicas times this must stay under what Postgres (or
   * PgBouncer) accepts; the api passes DATABASE_POOL_SIZE.
   */
  maxConnections: number;
  /**
   * How long a query waits for a free connection (or a new one) before failing. node-postgres
   * waits forever by default, which turns an overload into a pile-up of hung requests.
   */
  connectionTimeoutMillis?: number;
  /** Shown in pg_stat_activity, so a connection can be traced to the process that opened it. */
  applicationName?: string;
  /** Called with every SQL statement Prisma sends; the query-plan test EXPLAINs them. */
  onQuery?: (event: Prisma.QueryEvent) => void;
};

/**
 * Longer than any healthy wait for a pooled connection, short enough that an overload fails
 * requests instead of queueing them past every client timeout (docs/configuration.md).
 */
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

/** What a client's connection pool shows of its load; the API sheds requests on it. */
export type ConnectionPoolLoad = Pick<pg.Pool, 'waitingCount' | 'totalCount' | 'idleCount'>;

const poolsByClient = new WeakMap<PrismaClient, ConnectionPoolLoad>();

/** The node-postgres pool behind a client made by createPrismaClient (undefined for others). */
export function connectionPoolOf(client: PrismaClient): ConnectionPoolLoad | undefined {
  return poolsByClient.get(client);
}

export function createPrismaClient({
  databaseUrl,
  maxConnections,
  connectionTimeoutMillis = DEFAULT_CONNECTION_TIMEOUT_MS,
  applicationName,
  onQuery,
}: PrismaClientSettings): PrismaClient {
  // No `statementNameGenerator`: unnamed statements keep PgBouncer's transaction mode working
  // (PgBouncer 1.18 cannot track named prepared statements).
  const pool = new CancellablePool({
    connectionString: databaseUrl,
    max: maxConnections,
    connectionTimeoutMillis,
    application_name: applicationName,
  });
  // The adapter attaches its listener for idle connections' errors, and ends the pool on $disconnect.
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  // One error format everywhere (Prisma picks one by NODE_ENV otherwise), so tests exercise
  // the errors production sees; messages only ever reach logs.
  const errorFormat = 'minimal';
  if (!onQuery) {
    const client = new PrismaClient({ adapter, errorFormat });
    poolsByClient.set(client, pool);
    return client;
  }
  const client = new PrismaClient({
    adapter,
    errorFormat,
    log: [{ emit: 'event', level: 'query' }],
  });
  client.$on('query', onQuery);
  poolsByClient.set(client, pool);
  return client;
}
