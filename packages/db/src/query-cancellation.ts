// Queries that end with the request that asked for them. The API runs each request inside
// `withQueryCancellation(signal, ...)`; a query started in it (through a pool made by
// createPrismaClient) is cancelled on the server when the signal aborts: the client went away,
// or the request passed its deadline. node-postgres sends Postgres' cancel request for the
// connection the query runs on, and PgBouncer forwards it to the right server connection.
// A query asked for after the signal aborted is not started at all.
//
// The signal is captured where the driver adapter asks the pool for a connection or a query,
// in the request's own async context: a connection handed over later, from the pool's queue,
// runs its callback in whichever context released it.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

const currentSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` with queries it starts cancelled once `signal` aborts. */
export function withQueryCancellation<Result>(signal: AbortSignal, work: () => Result): Result {
  return currentSignal.run(signal, work);
}

/**
 * Runs `work` outside any request's cancellation: for work one request starts on behalf of
 * others (a cache fill other requests wait on, the outbox relay's wake-up sent after a later
 * interval). Inside the request's context, that request's client going away would cancel it,
 * and every request sharing it would fail with a 503 that was not theirs. The statement
 * timeout still bounds it.
 */
export function outsideAnyRequest<Result>(work: () => Result): Result {
  return currentSignal.exit(work);
}

/** The request ended (deadline or client gone) before this query could start. */
export class RequestEndedError extends Error {
  constructor() {
    super('the request ended before this query started');
    this.name = 'RequestEndedError';
  }
}

type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pg.Pool that ties each connection it hands out, and each query it runs, to the signal of
 * the request in progress (if any). @prisma/adapter-pg uses exactly two calls: `query(config)`
 * for a statement on its own and `connect()` for a transaction.
 */
export class CancellablePool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    // The callback form is pg-pool's own, from inside query(): tracked there instead.
    if (callback) {
      super.connect(callback);
      return undefined;
    }
    return this.connectFor(currentSignal.getStore());
  }

  // One signature for pg's many overloads: the adapter's form is handled, others pass through.
  // biome-ignore lint/suspicious/noExplicitAny: pg.Pool's query overloads return varied types
  override query(...args: unknown[]): any {
    const signal = currentSignal.getStore();
    const [config] = args;
    if (!signal || args.length !== 1 || typeof config !== 'object' || config === null) {
      return (super.query as (...rest: unknown[]) => unknown)(...args);
    }
    return this.connectFor(signal).then(async (client) => {
      try {
        const result = await client.query(config as pg.QueryConfig);
        client.release();
        return result;
      } catch (error) {
        // As pg-pool's own query() does: a connection whose query failed is not reused.
        client.release(error as Error);
        throw error;
      }
    });
  }

  private async connectFor(signal: AbortSignal | undefined): Promise<pg.PoolClient> {
    if (signal?.aborted) throw new RequestEndedError();
    const client = await super.connect();
    if (!signal) return client;
    if (signal.aborted) {
      // It ended while this waited for a connection.
      client.release();
      throw new RequestEndedError();
    }
    const cancelActiveQuery = () => {
      // What pg's Client#cancel does, without its deprecated `activeQuery` check: a connection
      // of its own sends Postgres' cancel request (no login) for this connection's backend
      // (PgBouncer's keys, which it maps to the server connection). A connection with no query
      // running has nothing to cancel; this one is the request's until it is released.
      const { processID, secretKey } = client as unknown as {
        processID: number;
        secretKey: number;
      };
      const canceller = new pg.Client(this.options) as unknown as {
        host: string;
        port: number;
        connection: {
          on: (event: 'error', listener: () => void) => void;
          once: (event: 'connect', listener: () => void) => void;
          connect: (port: number, host: string) => void;
          cancel: (processID: number, secretKey: number) => void;
        };
      };
      // Undeliverable (the server is away): the statement timeout ends the query instead.
      canceller.connection.on('error', () => {});
      canceller.connection.once('connect', () => canceller.connection.cancel(processID, secretKey));
      canceller.connection.connect(canceller.port, canceller.host);
    };
    signal.addEventListener('abort', cancelActiveQuery, { once: true });
    // While checked out, pg-pool does not listen for the connection's errors (its own query()
    // does, which this replaces): a server that ends the connection between two of its
    // messages (Postgres restarting, PgBouncer losing its server) would be an unhandled
    // 'error' event, which ends the process. Noted here, and the connection is not reused.
    let lostWith: Error | undefined;
    const onConnectionError = (error: Error) => {
      lostWith = error;
    };
    client.on('error', onConnectionError);
    const release = client.release;
    client.release = (error?: Error | boolean) => {
      signal.removeEventListener('abort', cancelActiveQuery);
      client.removeListener('error', onConnectionError);
      return release.call(client, error ?? lostWith);
    };
    return client;
  }
}
