// What a load run measured: every response time kept (autocannon's own histogram has no p95),
// grouped overall, per endpoint label, per phase and per second, then summarised; and how the
// edge answered (its X-Cache-Status header), for its hit ratio.

/**
 * The nearest-rank percentile of values sorted ascending: the smallest value that at least
 * p% of the values are less than or equal to. 0 for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * The median of values in any order: the middle one, or the mean of the two middle ones. NaN
 * for no values, so a missing figure shows as missing rather than as 0.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  // A typed array sorts numerically, and fast: a long soak keeps a million values.
  const sorted = Float64Array.from(values).sort();
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
    mean: round(sorted.length === 0 ? 0 : total / sorted.length),
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** One row of a results table: a whole run, an endpoint, a phase or a second. */
export interface Summary extends LatencySummary {
  name: string;
  /** Responses received (connection errors and timeouts have none). */
  requests: number;
  requestsPerSecond: number;
  /** Connection errors, timeouts, and responses with an unexpected status (5xx, 4xx, 3xx). */
  errors: number;
  non2xx: number;
}

interface Group {
  latencies: number[];
  non2xx: number;
  unexpected: number;
  connectionErrors: number;
}

function emptyGroup(): Group {
  return { latencies: [], non2xx: 0, unexpected: 0, connectionErrors: 0 };
}

export interface ResponseSample {
  label: string;
  phase: string;
  status: number;
  expected: boolean;
  ms: number;
  /** Seconds since the run began. */
  at: number;
  /** The edge's X-Cache-Status (HIT, MISS, BYPASS, ...); absent when no edge answered. */
  cacheStatus?: string | undefined;
}

export interface TimelinePoint extends LatencySummary {
  second: number;
  requests: number;
  errors: number;
}

export type Recorder = ReturnType<typeof createRecorder>;

export function createRecorder() {
  const overall = emptyGroup();
  const byLabel = new Map<string, Group>();
  const byPhase = new Map<string, Group>();
  const bySecond = new Map<number, Group>();
  const statusCodes: Record<string, number> = {};
  const cacheStatuses: Record<string, number> = {};
  let timeouts = 0;

  const groupsFor = (phase: string, at: number, label?: string): Group[] => {
    const groups = [overall, groupOf(byPhase, phase), groupOf(bySecond, Math.floor(at))];
    if (label !== undefined) groups.push(groupOf(byLabel, label));
    return groups;
  };

  return {
    response(sample: ResponseSample): void {
      statusCodes[sample.status] = (statusCodes[sample.status] ?? 0) + 1;
      if (sample.cacheStatus !== undefined) {
        cacheStatuses[sample.cacheStatus] = (cacheStatuses[sample.cacheStatus] ?? 0) + 1;
      }
      for (const group of groupsFor(sample.phase, sample.at, sample.label)) {
        group.latencies.push(sample.ms);
        if (sample.status < 200 || sample.status > 299) group.non2xx++;
        if (!sample.expected) group.unexpected++;
      }
    },

    /** A connection error or a timeout: no response, so no label either. */
    connectionError(phase: string, at: number, timedOut: boolean): void {
      if (timedOut) timeouts++;
      for (const group of groupsFor(phase, at)) group.connectionErrors++;
    },

    /** Totals so far, for progress lines. */
    counts(): { responses: number; errors: number } {
      return { responses: overall.latencies.length, errors: errorsIn(overall) };
    },

    summarize(phaseSeconds: ReadonlyMap<string, number>) {
      const totalSeconds = [...phaseSeconds.values()].reduce((sum, seconds) => sum + seconds, 0);
      const attempts = overall.latencies.length + overall.connectionErrors;
      return {
        overall: summary('all', overall, totalSeconds),
        endpoints: [...byLabel.entries()]
          .sort(([, a], [, b]) => b.latencies.length - a.latencies.length)
          .map(([label, group]) => summary(label, group, totalSeconds)),
        phases: [...phaseSeconds.entries()].map(([phase, seconds]) =>
          summary(phase, byPhase.get(phase) ?? emptyGroup(), seconds),
        ),
        timeline: [...bySecond.entries()]
          .sort(([a], [b]) => a - b)
          .map(
            ([second, group]): TimelinePoint => ({
              second,
              requests: group.latencies.length,
              errors: errorsIn(group),
              ...summarizeLatencies(group.latencies),
            }),
          ),
        statusCodes: { ...statusCodes },
        cacheStatuses: { ...cacheStatuses },
        connectionErrors: overall.connectionErrors,
        timeouts,
        errorRate: attempts === 0 ? 0 : errorsIn(overall) / attempts,
      };
    },
  };
}

function groupOf<Key>(groups: Map<Key, Group>, key: Key): Group {
  let group = groups.get(key);
  if (group === undefined) {
    group = emptyGroup();
    groups.set(key, group);
  }
  return group;
}

function errorsIn(group: Group): number {
  return group.unexpected + group.connectionErrors;
}

function summary(name: string, group: Group, seconds: number): Summary {
  return {
    name,
    requests: group.latencies.length,
    requestsPerSecond: seconds > 0 ? Math.round((group.latencies.length / seconds) * 10) / 10 : 0,
    ...summarizeLatencies(group.latencies),
    errors: errorsIn(group),
    non2xx: group.non2xx,
  };
}

/** nginx's $upstream_cache_status values for a response that did not reach the API. */
const EDGE_SERVED_STATUSES = new Set(['HIT', 'STALE', 'UPDATING']);

/**
 * The share of responses the edge answered from its cache: HIT, STALE (served stale while the
 * origin failed) and UPDATING (served stale while one request refreshes it) over every response
 * that carried an X-Cache-Status. NaN when none did (no edge in front, or an older results file).
 */
export function edgeHitRatio(cacheStatuses: Readonly<Record<string, number>> | undefined): number {
  const counts = Object.entries(cacheStatuses ?? {});
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return Number.NaN;
  const served = counts
    .filter(([status]) => EDGE_SERVED_STATUSES.has(status))
    .reduce((sum, [, count]) => sum + count, 0);
  return served / total;
}
