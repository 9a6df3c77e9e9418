// The results of one run: the JSON file plot.ts and the capacity report read, the Markdown
// file a person reads, and the table printed at the end of a run.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CpuUsage } from './capacity/process-cpu.ts';
import type { Phase } from './scenarios.ts';
import type { Summary, TimelinePoint } from './stats.ts';

export const RESULTS_FORMAT = 'headroom-loadtest/1';

export interface RunResults {
  format: typeof RESULTS_FORMAT;
  scenario: string;
  tool: 'autocannon';
  baseUrl: string;
  startedAt: string;
  finishedAt: string;
  smoke: boolean;
  /** Free-form facts about the system under test, from `--param name=value` (e.g. replicas=2). */
  params: Record<string, string>;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  phases: Phase[];
  fixtures: { slugs: number; tags: number; sessions: number };
  overall: Summary;
  endpoints: Summary[];
  /** One row per phase (the spike has three: before, spike, after). */
  phaseSummaries: Summary[];
  /** One point per second since the run began. */
  timeline: TimelinePoint[];
  statusCodes: Record<string, number>;
  /** Responses per X-Cache-Status the edge sent (HIT, MISS, BYPASS, ...); none without an edge. */
  cacheStatuses?: Record<string, number>;
  connectionErrors: number;
  timeouts: number;
  /** Errors / (responses + connection errors). */
  errorRate: number;
  /** Core-seconds each part of the stack used while the load ran (Linux; capacity/process-cpu.ts). */
  cpu?: CpuUsage;
  /** With --wait-quiet: what other processes used just before the run, and how long it waited. */
  conditions?: { otherCores: number; loadAverage: number; waitedSeconds: number; quiet: boolean };
  /** Smoke runs only: the largest error rate that passes. */
  maxErrorRate?: number;
  passed?: boolean;
}

export function describeMachine(): RunResults['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

/**
 * A time as it goes into a results file's name: UTC to the second, without colons, which some
 * file systems refuse (2026-11-21T081957Z).
 */
export function fileStamp(time: Date | string): string {
  return new Date(time)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '');
}

/** Writes `<dir>/<UTC timestamp>-<scenario>.{json,md}` and returns both paths. */
export async function writeResults(
  dir: string,
  results: RunResults,
): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, `${fileStamp(results.startedAt)}-${results.scenario}`);
  const files = { json: `${base}.json`, markdown: `${base}.md` };
  await writeFile(files.json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(files.markdown, toMarkdown(results));
  return files;
}

const COLUMNS: { title: string; value: (row: Summary) => string }[] = [
  { title: 'requests', value: (row) => String(row.requests) },
  { title: 'req/s', value: (row) => row.requestsPerSecond.toFixed(1) },
  { title: 'p50 ms', value: (row) => row.p50.toFixed(1) },
  { title: 'p95 ms', value: (row) => row.p95.toFixed(1) },
  { title: 'p99 ms', value: (row) => row.p99.toFixed(1) },
  { title: 'max ms', value: (row) => row.max.toFixed(1) },
  { title: 'errors', value: (row) => String(row.errors) },
  { title: 'non-2xx', value: (row) => String(row.non2xx) },
];

/** Rows aligned in columns; Markdown pipes when `markdown`, so the same table reads in both. */
function formatTable(
  firstColumn: string,
  rows: readonly Summary[],
  { markdown = false } = {},
): string {
  const cells = [
    [firstColumn, ...COLUMNS.map((column) => column.title)],
    ...rows.map((row) => [row.name, ...COLUMNS.map((column) => column.value(row))]),
  ];
  const widths = cells[0]!.map((_, index) => Math.max(...cells.map((line) => line[index]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, index) =>
        index === 0 ? value.padEnd(widths[index]!) : value.padStart(widths[index]!),
      )
      .join(markdown ? ' | ' : '  ');
  const lines = cells.map(line);
  if (!markdown) return lines.join('\n');
  const rule = widths.map((width, index) =>
    index === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`,
  );
  return [lines[0]!, rule.join(' | '), ...lines.slice(1)].map((text) => `| ${text} |`).join('\n');
}

/** A Markdown table: the first column left-aligned, the others (numbers) right-aligned. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (string | number)[][],
): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, index) => (index === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/**
 * The run's timeline without the second the run's end cut short: left in, it would show as a
 * dip in requests/s that the server never had.
 */
export function completeSeconds(results: RunResults): TimelinePoint[] {
  const seconds = results.phases.reduce((sum, phase) => sum + phase.seconds, 0);
  return results.timeline.filter((point) => point.second < seconds);
}

/** The tables a run prints: overall, per phase when there are several, per endpoint. */
export function formatSummary(results: RunResults, { markdown = false } = {}): string {
  const sections = [
    formatTable('scenario', [{ ...results.overall, name: results.scenario }], { markdown }),
  ];
  if (results.phaseSummaries.length > 1) {
    sections.push(formatTable('phase', results.phaseSummaries, { markdown }));
  }
  sections.push(formatTable('endpoint', results.endpoints, { markdown }));
  return sections.join('\n\n');
}

function toMarkdown(results: RunResults): string {
  const phases = results.phases
    .map(
      (phase) =>
        `${phase.name} ${phase.seconds} s at ${phase.rate === null ? 'full speed' : `${phase.rate} req/s`} over ${phase.connections} connections`,
    )
    .join('; ');
  const params = Object.entries(results.params)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  const statuses = formatCounts(results.statusCodes);
  const cacheStatuses = formatCounts(results.cacheStatuses ?? {});
  const smoke =
    results.passed === undefined
      ? []
      : [
          `- smoke: **${results.passed ? 'passed' : 'failed'}** (error rate ${formatRate(results.errorRate)}, at most ${formatRate(results.maxErrorRate ?? 0)} allowed)`,
        ];
  return `# ${results.scenario}: ${results.startedAt}

- target: ${results.baseUrl}${params === '' ? '' : ` (${params})`}
- phases: ${phases}
- set-up found ${results.fixtures.slugs} slugs, ${results.fixtures.tags} tags, ${results.fixtures.sessions} logged-in users
- machine: ${results.machine.cpus} x ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}, ${results.machine.platform}
- statuses: ${statuses === '' ? 'none' : statuses}; connection errors ${results.connectionErrors} (timeouts ${results.timeouts})
- the edge's X-Cache-Status: ${cacheStatuses === '' ? 'none' : cacheStatuses}
${results.cpu ? `- CPU while loaded: ${formatCpu(results.cpu)}\n` : ''}${smoke.map((line) => `${line}\n`).join('')}
${formatSummary(results, { markdown: true })}

Latencies are measured by the load generator on the same machine (autocannon, one request in
flight per connection), from writing a request to reading the whole response, over every
response including errors. Errors are connection errors, timeouts and unexpected statuses.
`;
}

/** `200: 5210, 404: 3`: counts by status (or any name: value pairs), as Markdown shows them. */
export function formatCounts(counts: Readonly<Record<string, number | string>>): string {
  return Object.entries(counts)
    .map(([name, count]) => `${name}: ${count}`)
    .join(', ');
}

/** Average cores per part while loaded, e.g. `api 0.98, postgres 0.31, ...; machine 1.91`. */
export function formatCpu(cpu: CpuUsage): string {
  const parts = Object.entries(cpu.parts)
    .filter(([, seconds]) => seconds > 0)
    .map(([part, seconds]) => `${part} ${(seconds / cpu.seconds).toFixed(2)}`)
    .join(', ');
  return `${parts}; machine ${cpu.machineCores.toFixed(2)} cores`;
}

export function formatRate(rate: number): string {
  return `${(rate * 100).toFixed(rate === 0 ? 0 : 3)}%`;
}
