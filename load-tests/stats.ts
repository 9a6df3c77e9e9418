// What a load run measured: response times recorded in HdrHistograms (hdr-histogram-js, its
// plain JavaScript build), grouped overall, per endpoint label, per phase and per second, then
// summarised; and how the edge answered (its X-Cache-Status header), for its hit ratio. A
// histogram's size depends on the range of times, not their number, so an hour's soak costs what
// a minute's does.
import { type BitBucketSize, build, type Histogram } from 'hdr-histogram-js';

/**
 * Times are recorded in whole microseconds (HdrHistogram counts integers), to three significant
 * digits: a percentile is within 0.1% of the time it stands for (HdrHistogram's customary
 * setting), finer than the 0.1 ms the results show for any time above 100 ms and exact below 2 ms.
 */
const MICROSECONDS_PER_MS = 1000;
const SIGNIFICANT_DIGITS = 3;

/**
 * The median of values in any order: the middle one, or the mean of the two middle ones. NaN
 * for no values, so a missing figure shows as missing rather than as 0. For a handful of
 * figures (rounds of a benchmark), not for response times.
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

export type LatencyHistogram = ReturnType<typeof createLatencyHistogram>;

/**
 * Response times (ms) kept as a histogram. `sparse` suits a histogram that sees few values (one
 * second of a run): hdr-histogram-js's packed counts grow with the values recorded, where its
 * default 32-bit counts take about 38 KB from the first value (measured: 2 KB packed for 80
 * values), at about five times the cost per value (0.4 against 0.09 µs).
 */
export function createLatencyHistogram({ sparse = false } = {}) {
  const bitBucketSize: BitBucketSize = sparse ? 'packed' : 32;
  const histogram: Histogram = build({
    bitBucketSize,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  });
  // The exact sum, for an exact mean (the histogram's own mean is from its buckets).
  let totalMs = 0;
  return {
    record(ms: number): void {
      histogram.recordValue(Math.max(0, Math.round(ms * MICROSECONDS_PER_MS)));
      totalMs += ms;
    },
    get count(): number {
      return histogram.totalCount;
    },
    /**
     * p50/p95/p99 by nearest rank (the smallest recorded time that at least p% of the times do
     * not exceed, as HdrHistogram's getValueAtPercentile reads it, to the histogram's
     * precision), the exact max and mean; all 0 for no times, in ms to a tenth.
     */
    summary(): LatencySummary {
      const count = histogram.totalCount;
      // getValueAtPercentile answers the top of the value's bucket (up to 0.1% above it): never
      // above the largest time recorded, which the histogram keeps exactly.
      const at = (percentile: number) =>
        count === 0
          ? 0
          : round(
              Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue) /
                MICROSECONDS_PER_MS,
            );
      return {
        p50: at(50),
        p95: at(95),
        p99: at(99),
        max: round(histogram.maxValue / MICROSECONDS_PER_MS),
        mean: round(count === 0 ? 0 : totalMs / count),
      };
    },
  };
}

/**
 * The summary of a list of times (ms), for benchmarks that collect them after the fact; also of
 * any other non-negative quantity they sample (replica-lag.ts: lag in bytes), to the same three
 * significant digits.
 */
export function summarizeLatencies(values: Iterable<number>): LatencySummary {
  const histogram = createLatencyHistogram();
  for (const ms of values) histogram.record(ms);
  return histogram.summary();
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
  latencies: LatencyHistogram;
  non2xx: number;
  unexpected: number;
  connectionErrors: number;
}

/** `sparse` for the per-second groups: there are many of them, each seeing few responses. */
function emptyGroup({ sparse = false } = {}): Group {
  return {
    latencies: createLatencyHistogram({ sparse }),
    non2xx: 0,
    unexpected: 0,
    connectionErrors: 0,
  };
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
    const groups = [
      overall,
      groupOf(byPhase, phase),
      groupOf(bySecond, Math.floor(at), { sparse: true }),
    ];
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
        group.latencies.record(sample.ms);
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
      return { responses: overall.latencies.count, errors: errorsIn(overall) };
    },

    summarize(phaseSeconds: ReadonlyMap<string, number>) {
      const totalSeconds = [...phaseSeconds.values()].reduce((sum, seconds) => sum + seconds, 0);
      const attempts = overall.latencies.count + overall.connectionErrors;
      return {
        overall: summary('all', overall, totalSeconds),
        endpoints: [...byLabel.entries()]
          .sort(([, a], [, b]) => b.latencies.count - a.latencies.count)
          .map(([label, group]) => summary(label, group, totalSeconds)),
        phases: [...phaseSeconds.entries()].map(([phase, seconds]) =>
          summary(phase, byPhase.get(phase) ?? emptyGroup(), seconds),
        ),
        timeline: [...bySecond.entries()]
          .sort(([a], [b]) => a - b)
          .map(
            ([second, group]): TimelinePoint => ({
              second,
              requests: group.latencies.count,
              errors: errorsIn(group),
              ...group.latencies.summary(),
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

function groupOf<Key>(groups: Map<Key, Group>, key: Key, shape = { sparse: false }): Group {
  let group = groups.get(key);
  if (group === undefined) {
    group = emptyGroup(shape);
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
    requests: group.latencies.count,
    requestsPerSecond: seconds > 0 ? Math.round((group.latencies.count / seconds) * 10) / 10 : 0,
    ...group.latencies.summary(),
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
