// How much the latency of the pages every visitor reads grows with the data set: two runs of
// capacity/data-growth.ts (the default 20,000-article seed, then 1,000,000), endpoint by
// endpoint, against issue 8's bound of 1.5x for the p99. Used by data-growth.ts `compare` and
// by report.ts.
import { markdownTable } from '../results.ts';
import type { SingleEndpointName } from '../scenarios.ts';
import { type EndpointsResults, medianByEndpoint } from './endpoint-runs.ts';

/** Issue 8: "at 1M articles, the p99 of the list, tag page, feed and profile grows at most 1.5x". */
export const P99_GROWTH_LIMIT = 1.5;
/**
 * A fixed-rate run that delivered less than this share of its rate was saturated: its
 * latencies are the server's queue, not its service time, so its growth is marked as such.
 */
const MIN_DELIVERED = 0.95;

export interface GrowthRow {
  endpoint: SingleEndpointName;
  small: { p50: number; p95: number; p99: number; requestsPerSecond: number; errors: number };
  large: { p50: number; p95: number; p99: number; requestsPerSecond: number; errors: number };
  /** large ÷ small, per percentile. */
  growth: { p50: number; p95: number; p99: number };
  /** The p99 grew at most P99_GROWTH_LIMIT, both runs delivered their rate, neither had errors. */
  withinLimit: boolean;
  /** Why a row is not within the limit, beyond its p99 (saturated, errors), for the table. */
  notes: string[];
}

export interface GrowthComparison {
  small: { articles: number; users?: number | undefined; params: Record<string, string> };
  large: { articles: number; users?: number | undefined; params: Record<string, string> };
  rate: number | null;
  rows: GrowthRow[];
  /** Differences between the two runs' settings or params that make the comparison unfair. */
  warnings: string[];
}

export function compareGrowth(
  small: EndpointsResults,
  large: EndpointsResults,
  limit = P99_GROWTH_LIMIT,
): GrowthComparison {
  const warnings: string[] = [];
  if (small.settings.rate !== large.settings.rate) {
    warnings.push(
      `the runs offered different rates (${small.settings.rate} and ${large.settings.rate} req/s)`,
    );
  }
  for (const name of new Set([...Object.keys(small.params), ...Object.keys(large.params)])) {
    if (name === 'seed' || name === 'label') continue;
    if (small.params[name] !== large.params[name]) {
      warnings.push(
        `--param ${name} differs: ${small.params[name] ?? '(none)'} and ${large.params[name] ?? '(none)'}`,
      );
    }
  }
  if (large.dataSet.articles <= small.dataSet.articles) {
    warnings.push(
      `the second run's data set is not the larger (${small.dataSet.articles} and ${large.dataSet.articles} articles): give the 20k run first`,
    );
  }
  const largeRows = new Map(medianByEndpoint(large.runs).map((row) => [row.endpoint, row]));
  const rows: GrowthRow[] = [];
  for (const before of medianByEndpoint(small.runs)) {
    const after = largeRows.get(before.endpoint);
    if (after === undefined) {
      warnings.push(`${before.endpoint} is only in the first run`);
      continue;
    }
    const pick = (row: typeof before) => ({
      p50: row.p50,
      p95: row.p95,
      p99: row.p99,
      requestsPerSecond: row.requestsPerSecond,
      errors: row.errors,
    });
    const notes: string[] = [];
    for (const [name, row, settings] of [
      ['20k', before, small.settings],
      ['1M', after, large.settings],
    ] as const) {
      if (settings.rate !== null && row.requestsPerSecond < settings.rate * MIN_DELIVERED) {
        notes.push(`${name} run saturated (${row.requestsPerSecond} of ${settings.rate} req/s)`);
      }
      if (row.errors > 0) notes.push(`${name} run had ${row.errors} errors`);
    }
    const growth = {
      p50: after.p50 / before.p50,
      p95: after.p95 / before.p95,
      p99: after.p99 / before.p99,
    };
    rows.push({
      endpoint: before.endpoint,
      small: pick(before),
      large: pick(after),
      growth,
      withinLimit: growth.p99 <= limit && notes.length === 0,
      notes,
    });
  }
  return {
    small: { articles: small.dataSet.articles, users: small.dataSet.users, params: small.params },
    large: { articles: large.dataSet.articles, users: large.dataSet.users, params: large.params },
    rate: small.settings.rate,
    rows,
    warnings,
  };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '–');
const size = (articles: number, users: number | undefined) =>
  `${articles.toLocaleString('en-US')} articles${users === undefined ? '' : `, ${users.toLocaleString('en-US')} users`}`;

export function growthMarkdown(comparison: GrowthComparison, limit = P99_GROWTH_LIMIT): string {
  const table = markdownTable(
    [
      'endpoint',
      'small p50 / p95 / p99 ms',
      'large p50 / p95 / p99 ms',
      'p50 growth',
      'p95 growth',
      'p99 growth',
      `p99 within ${limit}x`,
    ],
    comparison.rows.map((row) => [
      row.endpoint,
      `${ms(row.small.p50)} / ${ms(row.small.p95)} / ${ms(row.small.p99)}`,
      `${ms(row.large.p50)} / ${ms(row.large.p95)} / ${ms(row.large.p99)}`,
      times(row.growth.p50),
      times(row.growth.p95),
      times(row.growth.p99),
      `${row.withinLimit ? 'yes' : '**no**'}${row.notes.length > 0 ? ` (${row.notes.join('; ')})` : ''}`,
    ]),
  );
  const rate = comparison.rate === null ? 'a closed loop' : `${comparison.rate} req/s each`;
  const warnings = comparison.warnings.map((warning) => `- **warning**: ${warning}\n`).join('');
  return `Small: ${size(comparison.small.articles, comparison.small.users)}; large: ${size(comparison.large.articles, comparison.large.users)}; ${rate} (medians over each run's rounds).
${warnings}
${table}
`;
}
