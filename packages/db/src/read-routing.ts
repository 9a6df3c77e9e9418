// Which server a read runs on: a streaming replica when one has replayed what the read must
// see and its data is recent enough, the primary otherwise, and the primary again when the
// replica fails mid-read. A poller keeps each replica's status; a read never waits for a poll.
// The policy, the lag definition and the measurements behind the defaults: docs/database.md.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PrismaClient } from './client.ts';

export interface ReplicaStatus {
  name: string;
  /** Takes reads now: answered its last poll, is a standby, and its data is recent enough. */
  healthy: boolean;
  /** How far it has replayed the primary's WAL (pg_lsn as bytes); 0 before its first poll. */
  replayLsn: number;
  /** How old its data may be, as measured at its last good poll; null before the first one. */
  lagMs: number | null;
  /** WAL the primary has written and the replica has not replayed, at its last good poll. */
  lagBytes: number | null;
  /** Replay paused on the replica (pg_wal_replay_pause()): it receives WAL but applies none. */
  replayPaused: boolean;
  /** Why it takes no reads, when it does not. */
  reason?: string;
}

export interface ReadOptions {
  /**
   * The WAL position (from currentLsn()) the read must see: a replica qualifies only once it
   * has replayed this far. 0, the default: any replica within the lag bound.
   */
  minLsn?: number;
  /** Run on the primary whatever the replicas' state (a recent writer's own reads). */
  preferPrimary?: boolean;
}

export interface ReadRouting {
  /**
   * Runs a read on a replica that has replayed at least `minLsn` (default 0) and lags less than
   * the bound; on the primary when none qualifies, and again on the primary when the replica
   * fails mid-query (connection refused, reset or timed out): never an error for the caller.
   * `query` may therefore run twice, so it must only read.
   */
  read<T>(query: (client: PrismaClient) => Promise<T>, options?: ReadOptions): Promise<T>;
  /** The primary's current WAL position as a number (pg_lsn -> bytes). 0 when no replica is configured. */
  currentLsn(): Promise<number>;
  /** For readyz, metrics and tests. */
  replicas(): ReplicaStatus[];
  /** Polls now (or waits for the poll under way) and resolves when every replica's status is updated. */
  refresh(): Promise<void>;
  /** Called with a replica's status each time it starts or stops taking reads (for the log). */
  onStatusChange(listener: (status: ReplicaStatus) => void): void;
  /** Stops polling. The clients stay open: whoever created them closes them. */
  close(): Promise<void>;
}

export interface ReadRoutingSettings {
  primary: PrismaClient;
  /** None: every read runs on the primary, and currentLsn() is 0 without asking it. */
  replicas: { name: string; client: PrismaClient }[];
  /** REPLICA_MAX_LAG_MS: a replica whose data may be older takes no reads. */
  maxLagMs: number;
  /** REPLICA_STATUS_INTERVAL_MS: how often the primary and every replica are polled. */
  statusIntervalMs: number;
  /** Where the pg_replica_* and db_reads_total metrics are registered. */
  registry: Registry;
}

/** Why a read ran where it did: the `reason` label of db_reads_total. */
type ReadReason =
  | 'fresh'
  | 'no_replica'
  | 'prefer_primary'
  | 'behind_lsn'
  | 'lagging'
  | 'unhealthy'
  | 'replica_failed';

/** What a poll learns about one replica, plus the failures reads report between polls. */
interface ReplicaState {
  name: string;
  client: PrismaClient;
  replayLsn: number;
  /** Poller-clock time (ms) by which every commit on the primary has been replayed here. */
  freshAsOf: number | null;
  lagMs: number | null;
  lagBytes: number | null;
  replayPaused: boolean;
  /** Set when the last poll failed or a read failed since; cleared by a good poll. */
  failure: string | null;
  /** The reads waiting on it now: each gives up when the replica is marked failed. */
  waiting: Set<() => void>;
  polled: boolean;
  healthyAtLastReport: boolean;
}

/** The primary's WAL insert position at a moment: kept to tell how old a replica's data is. */
export interface PrimarySample {
  at: number;
  insertLsn: number;
}

type PrimaryRow = { insert_lsn: number; write_lsn: number };
type ReplicaRow = {
  in_recovery: boolean;
  replay_lsn: number | null;
  receive_lsn: number | null;
  replay_paused: boolean | null;
  replay_age_ms: number | null;
};

/**
 * Samples of the primary's position kept for this many lag bounds: enough to date a replica up
 * to the bound and a little past it (the gauge reads on while a replica falls behind).
 */
const SAMPLE_RETENTION_BOUNDS = 4;
/** The least time a poll gets before it counts as failed (see pollDeadlineMs). */
const POLL_DEADLINE_FLOOR_MS = 500;

export function createReadRouting(settings: ReadRoutingSettings): ReadRouting {
  const { primary, maxLagMs, statusIntervalMs } = settings;
  // A poll is one trivial query per server. One with no answer within the interval (or
  // POLL_DEADLINE_FLOOR_MS on a short interval) is failing: through PgBouncer a query for a
  // replica that died waits query_wait_timeout (10 s) for a server that is not coming.
  const pollDeadlineMs = Math.min(maxLagMs, Math.max(statusIntervalMs, POLL_DEADLINE_FLOOR_MS));
  const replicas: ReplicaState[] = settings.replicas.map(({ name, client }) => ({
    name,
    client,
    replayLsn: 0,
    freshAsOf: null,
    lagMs: null,
    lagBytes: null,
    replayPaused: false,
    failure: null,
    waiting: new Set(),
    polled: false,
    healthyAtLastReport: false,
  }));
  const samples: PrimarySample[] = [];
  const listeners: ((status: ReplicaStatus) => void)[] = [];
  const metrics = registerMetrics(settings.registry, () => replicas.map(status));
  let nextReplica = 0;
  let polling: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Why a replica cannot take a read needing `minLsn` now, or null when it can. */
  function unfitness(replica: ReplicaState, minLsn: number): ReadReason | null {
    if (replica.failure !== null || !replica.polled) return 'unhealthy';
    // Between polls the data ages: a replica that stopped replaying right after its last good
    // poll is that much older now, so the bound holds whenever the read runs.
    if (replica.freshAsOf === null || Date.now() - replica.freshAsOf >= maxLagMs) return 'lagging';
    if (replica.replayLsn < minLsn) return 'behind_lsn';
    return null;
  }

  function status(replica: ReplicaState): ReplicaStatus {
    const reason = unfitness(replica, 0);
    return {
      name: replica.name,
      healthy: reason === null,
      replayLsn: replica.replayLsn,
      lagMs: replica.lagMs,
      lagBytes: replica.lagBytes,
      replayPaused: replica.replayPaused,
      ...(reason !== null && { reason: explain(replica, reason) }),
    };
  }

  function explain(replica: ReplicaState, reason: ReadReason): string {
    if (reason === 'unhealthy') return replica.failure ?? 'not polled yet';
    const age =
      replica.freshAsOf === null ? 'of unknown age' : `${Date.now() - replica.freshAsOf} ms old`;
    const paused = replica.replayPaused ? ' (replay paused)' : '';
    return `data up to ${age}, over the ${maxLagMs} ms bound${paused}`;
  }

  function reportChanges() {
    for (const replica of replicas) {
      const current = status(replica);
      if (current.healthy === replica.healthyAtLastReport) continue;
      replica.healthyAtLastReport = current.healthy;
      for (const listener of listeners) listener(current);
    }
  }

  async function pollOnce(): Promise<void> {
    const sentAt = Date.now();
    let position: PrimaryRow;
    try {
      [position] = (await withDeadline(
        primary.$queryRaw<PrimaryRow[]>`
          SELECT (pg_current_wal_insert_lsn() - '0/0')::float8 AS insert_lsn,
                 (pg_current_wal_lsn() - '0/0')::float8 AS write_lsn`,
        pollDeadlineMs,
      )) as [PrimaryRow];
    } catch {
      // Without the primary's position no replica can be dated; their data only ages, and the
      // reads meanwhile go to the primary, whose own failure the caller sees anyway.
      return;
    }
    samples.push({ at: sentAt, insertLsn: position.insert_lsn });
    while (samples.length > 0 && samples[0]!.at < sentAt - SAMPLE_RETENTION_BOUNDS * maxLagMs) {
      samples.shift();
    }
    await Promise.all(replicas.map((replica) => pollReplica(replica, sentAt, position)));
  }

  async function pollReplica(replica: ReplicaState, sentAt: number, position: PrimaryRow) {
    let row: ReplicaRow;
    try {
      // pg_is_wal_replay_paused() raises on a server that is not in recovery, hence the CASE.
      [row] = (await withDeadline(
        replica.client.$queryRaw<ReplicaRow[]>`
          SELECT pg_is_in_recovery() AS in_recovery,
                 (pg_last_wal_replay_lsn() - '0/0')::float8 AS replay_lsn,
                 (pg_last_wal_receive_lsn() - '0/0')::float8 AS receive_lsn,
                 CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS replay_paused,
                 (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS replay_age_ms`,
        pollDeadlineMs,
      )) as [ReplicaRow];
    } catch (error) {
      markFailed(replica, `poll failed: ${describe(error)}`);
      replica.lagMs =
        replica.freshAsOf === null ? null : Math.max(0, Date.now() - replica.freshAsOf);
      return;
    }
    const answeredAt = Date.now();
    replica.polled = true;
    if (!row.in_recovery || row.replay_lsn === null) {
      // Promoted, or a primary named by mistake: its data no longer follows ours.
      markFailed(replica, 'not a standby (pg_is_in_recovery() is false)');
      return;
    }
    replica.failure = null;
    replica.replayLsn = row.replay_lsn;
    replica.replayPaused = row.replay_paused === true;
    replica.freshAsOf = freshAsOf({
      samples,
      replayLsn: row.replay_lsn,
      replayAgeMs: row.replay_age_ms,
      sentAt,
      answeredAt,
      previous: replica.freshAsOf,
    });
    replica.lagMs = replica.freshAsOf === null ? null : Math.max(0, sentAt - replica.freshAsOf);
    replica.lagBytes = Math.max(0, position.write_lsn - row.replay_lsn);
  }

  function poll(): Promise<void> {
    polling ??= pollOnce()
      .catch(() => {})
      .finally(() => {
        polling = null;
        reportChanges();
      });
    return polling;
  }

  function schedule() {
    if (closed) return;
    timer = setTimeout(() => {
      void poll().finally(schedule);
    }, statusIntervalMs);
    // Polling alone never keeps the process alive.
    timer.unref();
  }

  if (replicas.length > 0) {
    void poll().finally(schedule);
  }

  function choose(minLsn: number): { replica: ReplicaState | null; reason: ReadReason } {
    if (replicas.length === 0) return { replica: null, reason: 'no_replica' };
    let firstReason: ReadReason | null = null;
    for (let offset = 0; offset < replicas.length; offset++) {
      const index = (nextReplica + offset) % replicas.length;
      const replica = replicas[index]!;
      const reason = unfitness(replica, minLsn);
      if (reason === null) {
        nextReplica = (index + 1) % replicas.length;
        return { replica, reason: 'fresh' };
      }
      firstReason ??= reason;
    }
    return { replica: null, reason: firstReason ?? 'unhealthy' };
  }

  return {
    async read(query, { minLsn = 0, preferPrimary = false } = {}) {
      const { replica, reason } = preferPrimary
        ? { replica: null, reason: 'prefer_primary' as const }
        : choose(minLsn);
      if (replica === null) {
        metrics.reads.inc({ target: 'primary', reason });
        return query(primary);
      }
      // A read still waiting when the replica is marked failed (a poll found it gone, or
      // another read failed on it) is left to time out on its own, and asked of the primary.
      let giveUp = () => {};
      const abandoned = new Promise<null>((resolve) => {
        giveUp = () => resolve(null);
      });
      replica.waiting.add(giveUp);
      const attempt = query(replica.client);
      try {
        const outcome = await Promise.race([attempt.then((value) => ({ value })), abandoned]);
        if (outcome !== null) {
          metrics.reads.inc({ target: 'replica', reason });
          return outcome.value;
        }
        attempt.catch(() => {});
      } catch (error) {
        if (!isReplicaFailure(error)) throw error;
        // No reads until a poll finds it answering again.
        markFailed(replica, `read failed: ${describe(error)}`);
        reportChanges();
      } finally {
        replica.waiting.delete(giveUp);
      }
      metrics.reads.inc({ target: 'primary', reason: 'replica_failed' });
      return query(primary);
    },

    async currentLsn() {
      if (replicas.length === 0) return 0;
      // The insert position, not pg_current_wal_lsn() (the write position): with
      // synchronous_commit off a commit returns before its WAL is written, and a read that
      // must see it needs a position at or past its commit record.
      const [row] = await primary.$queryRaw<{ lsn: number }[]>`
        SELECT (pg_current_wal_insert_lsn() - '0/0')::float8 AS lsn`;
      return row?.lsn ?? 0;
    },

    replicas: () => replicas.map(status),

    refresh: () => (replicas.length === 0 ? Promise.resolve() : poll()),

    onStatusChange(listener) {
      listeners.push(listener);
    },

    async close() {
      closed = true;
      clearTimeout(timer);
      await polling;
    },
  };
}

/**
 * The latest moment by which a replica holds every commit the primary had made: its lag is how
 * long ago that was. Two lower bounds, the later one wins:
 *  - the newest primary sample at or below the replica's replay position. Every commit
 *    acknowledged before a sample was taken lies in WAL below its insert position, which the
 *    replica has replayed. So a replica that has replayed the latest sample is current as of
 *    this poll, however long the primary has been idle: an idle primary's last commit may be an
 *    hour old, and `now() - pg_last_xact_replay_timestamp()` would call that an hour of lag.
 *  - the commit time of the last transaction it replayed (`replayAgeMs` ago, by the replica's
 *    clock), which dates it to the millisecond while the primary commits steadily and every
 *    sample is a few bytes ahead of the replica.
 * Never earlier than an earlier poll found (replay does not go backwards), never later than
 * the primary's own sample (`sentAt`, taken before the replica was asked). Null when nothing
 * dates it yet: no sample it has reached, no transaction replayed since it started.
 */
export function freshAsOf({
  samples,
  replayLsn,
  replayAgeMs,
  sentAt,
  answeredAt,
  previous,
}: {
  samples: readonly PrimarySample[];
  replayLsn: number;
  replayAgeMs: number | null;
  sentAt: number;
  answeredAt: number;
  previous: number | null;
}): number | null {
  let fresh = previous;
  for (const sample of samples) {
    if (sample.insertLsn <= replayLsn && (fresh === null || sample.at > fresh)) fresh = sample.at;
  }
  if (replayAgeMs !== null)
    fresh = Math.max(fresh ?? Number.NEGATIVE_INFINITY, answeredAt - replayAgeMs);
  // Null: nothing dates it yet (no sample it has reached, no transaction replayed).
  return fresh === null ? null : Math.min(fresh, sentAt);
}

function markFailed(replica: ReplicaState, failure: string) {
  replica.failure = failure;
  for (const giveUp of replica.waiting) giveUp();
  replica.waiting.clear();
}

function registerMetrics(registry: Registry, statuses: () => ReplicaStatus[]) {
  const lagSeconds = new Gauge({
    name: 'pg_replica_lag_seconds',
    help: 'How old the replica data may be: time since it last held every commit of the primary (measured at the last good poll)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const replica of statuses()) {
        if (replica.lagMs !== null) this.set({ replica: replica.name }, replica.lagMs / 1000);
      }
    },
  });
  const lagBytes = new Gauge({
    name: 'pg_replica_lag_bytes',
    help: 'WAL bytes the primary has written and the replica has not replayed (at the last good poll)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const replica of statuses()) {
        if (replica.lagBytes !== null) this.set({ replica: replica.name }, replica.lagBytes);
      }
    },
  });
  const healthy = new Gauge({
    name: 'pg_replica_healthy',
    help: '1 when the replica takes reads (answering, a standby, within REPLICA_MAX_LAG_MS), else 0',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const replica of statuses())
        this.set({ replica: replica.name }, replica.healthy ? 1 : 0);
    },
  });
  const reads = new Counter({
    name: 'db_reads_total',
    help: 'Reads through the read routing, by where they ran and why',
    labelNames: ['target', 'reason'],
    registers: [registry],
  });
  return { lagSeconds, lagBytes, healthy, reads };
}

/**
 * Errors that say the replica, not the query, failed, so the same read on the primary can
 * succeed: no connection (refused, reset, timed out, closed mid-query), the server shutting
 * down or starting, PgBouncer unable to reach it, or a query cancelled because replay needed
 * what it was reading (a recovery conflict, SQLSTATE 40001 on a standby).
 */
export function isReplicaFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, meta } = error as { code?: unknown; message?: unknown; meta?: unknown };
  if (typeof code === 'string' && PRISMA_CONNECTION_CODES.has(code)) return true;
  const cause = (meta as { driverAdapterError?: { cause?: DriverAdapterCause } } | undefined)
    ?.driverAdapterError?.cause;
  if (cause) {
    if (CONNECTION_KINDS.has(cause.kind)) return true;
    const sqlState = cause.originalCode ?? cause.code;
    if (typeof sqlState === 'string') return isReplicaSqlState(sqlState);
    return false;
  }
  // node-postgres errors the adapter passes through unconverted (no SQLSTATE): a socket that
  // closed mid-query, or a pool that could not connect in time.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return isReplicaSqlState(code);
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  return typeof message === 'string' && DRIVER_CONNECTION_MESSAGES.test(message);
}

interface DriverAdapterCause {
  kind: string;
  code?: string;
  originalCode?: string;
}

/** P1001 cannot reach, P1002 timed out reaching, P1008 operation timed out, P1017 server closed the connection. */
const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
/** @prisma/adapter-pg's names for socket-level failures (its convertDriverError). */
const CONNECTION_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
const DRIVER_CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i;

/**
 * Class 08 (connection exception; PgBouncer reports an unreachable server as 08P01), 57P01-03
 * (admin or crash shutdown, cannot connect now), 53300 (too many connections) and 40001 (on a
 * standby, a recovery conflict cancelled the query).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
function isReplicaSqlState(sqlState: string): boolean {
  return (
    sqlState.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '40001'].includes(sqlState)
  );
}

function describe(error: unknown): string {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: DriverAdapterCause } } })?.meta
    ?.driverAdapterError?.cause;
  if (cause) return cause.originalCode ? `${cause.kind} ${cause.originalCode}` : cause.kind;
  return error instanceof Error ? error.message.split('\n').at(-1)!.trim() : String(error);
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
