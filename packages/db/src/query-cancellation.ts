// Queries that end with the request that asked for them. The API runs each request inside
// `withQueryCancellation(signal, ...)`; a query started in it (through a pool made by
// createPrismaClient) is cancelled on the server when the signal aborts: the client went away,
// or the request passed its deadline. node-postgres sends Postgres' cancel request for the
// connection the query runs on, and PgBouncer forwards it to the right server connection.
// A query asked for after the signal aborted is not started at all.
// When the server cannot be reached (a network partition, a frozen host), the cancel request is
// lost and the query would wait for the network, past any deadline: so a connection still held
// QUERY_CANCEL_GRACE_MS after its request ended is cut, which fails its query at once ("Connection
// terminated": 503), and a wait for a connection ends with the request.
//
// The signal is captured where the driver adapter asks the pool for a connection or a query,
// in the request's own async context: a connection handed over later, from the pool's queue,
// runs its callback in whichever context released it.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

const currentSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * How long a connection may still be held after its request ended (its cancel sent) before it
 * is cut. A reachable server answers a cancel, and the ROLLBACK after it, in a few round trips
 * (well under 10 ms here); one that has not within this is out of reach. Measured with
 * load-tests/faults/network-faults.fault.test.ts (docs/reliability.md): with a partition between
 * the API and PgBouncer, the slowest answer was 7.8 s without this, at most the 5 s deadline plus
 * this grace with it. A connection cut needlessly (a cancel slower than this) costs a reconnect.
 */
export const QUERY_CANCEL_GRACE_MS = 500;

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

/**
 * As outsideAnyRequest, with a deadline of the work's own instead: its queries are cancelled
 * (and their connections cut, as a request's are) `deadlineMs` after it starts. For shared work
 * that requests wait on: the statement timeout cannot end a query whose server is out of reach,
 * and every request waiting on it would wait as long. A request joining later waits no longer
 * than its own deadline, since the work started before it.
 */
export function onItsOwnDeadline<Result>(deadlineMs: number, work: () => Result): Result {
  return currentSignal.run(AbortSignal.timeout(deadlineMs), work);
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
    const connecting = super.connect();
    if (!signal) return connecting;
    const client = await untilAborted(connecting, signal);
    if (signal.aborted) {
      // It ended between the connection's arrival and this.
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
    // The cancel did not get through (the server is out of reach): the query would wait for the
    // network. Cutting the socket fails it now; the pool then drops the connection.
    let cutTimer: NodeJS.Timeout | undefined;
    const cutIfStillHeld = () => {
      cutTimer = setTimeout(() => {
        (
          client as unknown as { connection: { stream: { destroy: () => void } } }
        ).connection.stream.destroy();
      }, QUERY_CANCEL_GRACE_MS);
      cutTimer.unref();
    };
    signal.addEventListener('abort', cancelActiveQuery, { once: true });
    signal.addEventListener('abort', cutIfStillHeld, { once: true });
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
      signal.removeEventListener('abort', cutIfStillHeld);
      clearTimeout(cutTimer);
      client.removeListener('error', onConnectionError);
      return release.call(client, error ?? lostWith);
    };
    return client;
  }
}

/**
 * The pool's connection, or RequestEndedError as soon as the request ends while it is awaited
 * (a new connection to an unreachable server waits for its connect timeout); one that comes
 * after that goes back to the pool.
 */
function untilAborted(
  connecting: Promise<pg.PoolClient>,
  signal: AbortSignal,
): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new RequestEndedError());
      return;
    }
    const onAbort = () => {
      connecting.then(
        (client) => client.release(),
        () => undefined,
      );
      reject(new RequestEndedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    connecting.then(
      (client) => {
        signal.removeEventListener('abort', onAbort);
        resolve(client);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
