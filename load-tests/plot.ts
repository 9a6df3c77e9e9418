// `npx tsx load-tests/plot.ts <results.json...> --out docs/img/<name>.svg [options]`: draws one
// SVG chart from load-test results files (written by run.ts; format in results.ts).
// Entry file: arguments are read here; the drawing is in svg-charts.ts.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandLine, usageError } from './cli.ts';
import { completeSeconds, RESULTS_FORMAT, type RunResults } from './results.ts';
import type { Summary } from './stats.ts';
import { type BarChart, type LineChart, renderBarChart, renderLineChart } from './svg-charts.ts';

const USAGE = `usage: npx tsx load-tests/plot.ts <results.json...> --out FILE.svg [options]

  --kind bars|lines|timeline
      bars      one bar per file (default), or per endpoint/phase of one file with --by
      lines     one point per file at x = --x, one line per metric: latency vs. replicas
      timeline  one file, second by second: latency lines over requests/s bars
  --metric M[,M...]  requestsPerSecond (rps), p50, p95, p99, max, mean, errors
                     (default: rps for bars, p50,p95,p99 for lines, p50,p99 for timeline)
  --by endpoint|phase  bars: one file's endpoints or phases instead of one bar per file
  --row NAME         use this endpoint's or phase's numbers instead of the whole run's
  --x PATH           lines: the x value, a dotted path into each file (default params.replicas)
  --x-label TEXT     lines: the x axis title (default: the last part of --x)
  --label TEMPLATE   bars: each file's label, e.g. "{scenario} ({params.replicas} replicas)"
                     (default "{scenario}")
  --title TEXT       (default: from the files)
  --subtitle TEXT    (default: tool, machine and date of the first file)`;

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    kind: { type: 'string', default: 'bars' },
    metric: { type: 'string' },
    by: { type: 'string' },
    row: { type: 'string' },
    x: { type: 'string', default: 'params.replicas' },
    'x-label': { type: 'string' },
    label: { type: 'string', default: '{scenario}' },
    title: { type: 'string' },
    subtitle: { type: 'string' },
  },
});

function fail(problem: string): never {
  usageError(USAGE, problem);
}

if (positionals.length === 0) fail('no results files given');
if (values.out === undefined) fail('--out is required');

/** Each metric a chart can show: its name on the chart and its unit. */
const METRIC_LABELS = {
  requestsPerSecond: { name: 'requests/s', unit: 'requests/s' },
  p50: { name: 'p50', unit: 'ms' },
  p95: { name: 'p95', unit: 'ms' },
  p99: { name: 'p99', unit: 'ms' },
  max: { name: 'max', unit: 'ms' },
  mean: { name: 'mean', unit: 'ms' },
  errors: { name: 'errors', unit: 'errors' },
} as const;
type Metric = keyof typeof METRIC_LABELS;

/** A `--metric` name: a metric's own, or `rps` for requests/s. */
function metricNamed(name: string): Metric | undefined {
  if (name === 'rps') return 'requestsPerSecond';
  return Object.hasOwn(METRIC_LABELS, name) ? (name as Metric) : undefined;
}

function parseMetrics(fallback: string): Metric[] {
  return (values.metric ?? fallback).split(',').map((name) => {
    const metric = metricNamed(name.trim());
    if (metric === undefined) fail(`unknown metric "${name}"`);
    return metric;
  });
}

const files = await Promise.all(
  positionals.map(async (file) => {
    const results = JSON.parse(await readFile(file, 'utf8')) as RunResults;
    if (results.format !== RESULTS_FORMAT) fail(`${file} is not a ${RESULTS_FORMAT} results file`);
    return { file, results };
  }),
);
const first = files[0]!.results;

/** A value from a dotted path, e.g. `params.replicas` or `phases.1.rate`. */
function valueAt(results: RunResults, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined,
      results,
    );
}

function fillTemplate(template: string, results: RunResults): string {
  return template.replace(/\{([^}]+)\}/g, (_, dotted: string) =>
    String(valueAt(results, dotted) ?? '?'),
  );
}

/** The numbers to plot from one file: the whole run, or the endpoint or phase named by --row. */
function row(file: string, results: RunResults): Summary {
  if (values.row === undefined) return results.overall;
  const found = [...results.phaseSummaries, ...results.endpoints].find(
    (r) => r.name === values.row,
  );
  if (found === undefined) fail(`${file} has no endpoint or phase named "${values.row}"`);
  return found;
}

const subtitle =
  values.subtitle ??
  `${first.tool}, ${first.machine.cpus} CPUs (${first.machine.cpuModel}), ${first.startedAt.slice(0, 10)}`;
const rowSuffix = values.row === undefined ? '' : `, ${values.row}`;

function barsChart(): BarChart {
  const metrics = parseMetrics('requestsPerSecond');
  const unit = METRIC_LABELS[metrics[0]!].unit;
  if (values.by !== undefined) {
    if (values.by !== 'endpoint' && values.by !== 'phase') fail('--by takes endpoint or phase');
    if (files.length !== 1) fail('--by plots one results file');
    const rows = values.by === 'endpoint' ? first.endpoints : first.phaseSummaries;
    return {
      title:
        values.title ??
        `${first.scenario}: ${metrics.map((m) => METRIC_LABELS[m].name).join(', ')} per ${values.by}`,
      subtitle,
      unit,
      categories: rows.map((r) => r.name),
      series: metrics.map((metric) => ({
        name: METRIC_LABELS[metric].name,
        values: rows.map((r) => r[metric]),
      })),
    };
  }
  return {
    title:
      values.title ?? `${metrics.map((m) => METRIC_LABELS[m].name).join(', ')} per run${rowSuffix}`,
    subtitle,
    unit,
    categories: files.map(({ results }) => fillTemplate(values.label, results)),
    series: metrics.map((metric) => ({
      name: METRIC_LABELS[metric].name,
      values: files.map(({ file, results }) => row(file, results)[metric]),
    })),
  };
}

function linesChart(): LineChart {
  const metrics = parseMetrics('p50,p95,p99');
  const points = files.map(({ file, results }) => {
    const x = Number(valueAt(results, values.x));
    if (!Number.isFinite(x)) fail(`${file}: ${values.x} is not a number (record it with --param)`);
    return { x, summary: row(file, results) };
  });
  const xLabel = values['x-label'] ?? values.x.split('.').at(-1)!;
  return {
    title:
      values.title ??
      `${first.scenario}: ${metrics.map((m) => METRIC_LABELS[m].name).join(', ')} by ${xLabel}${rowSuffix}`,
    subtitle,
    xLabel,
    unit: METRIC_LABELS[metrics[0]!].unit,
    xTicksAtData: true,
    series: metrics.map((metric) => ({
      name: METRIC_LABELS[metric].name,
      points: points.map(({ x, summary }) => ({ x, y: summary[metric] })),
    })),
  };
}

function timelineChart(): LineChart {
  if (files.length !== 1) fail('--kind timeline plots one results file');
  const metrics = parseMetrics('p50,p99');
  const timeline = completeSeconds(first);
  const phases = first.phases
    .map((phase) => `${phase.name} ${phase.rate === null ? 'max' : phase.rate}/s`)
    .join(', ');
  return {
    title: values.title ?? `${first.scenario}: latency and throughput, second by second`,
    subtitle: values.subtitle ?? `${subtitle}; ${phases}`,
    xLabel: 'seconds since start',
    unit: METRIC_LABELS[metrics[0]!].unit,
    series: metrics.map((metric) => ({
      name: METRIC_LABELS[metric].name,
      points: timeline.map((point) => ({
        x: point.second,
        y: metric === 'requestsPerSecond' ? point.requests : point[metric],
      })),
    })),
    background: {
      name: 'requests/s',
      unit: 'requests/s',
      points: timeline.map((point) => ({ x: point.second, y: point.requests })),
    },
  };
}

let svg: string;
switch (values.kind) {
  case 'bars':
    svg = renderBarChart(barsChart());
    break;
  case 'lines':
    svg = renderLineChart(linesChart());
    break;
  case 'timeline':
    svg = renderLineChart(timelineChart());
    break;
  default:
    fail(`unknown --kind "${values.kind}"`);
}

await mkdir(path.dirname(values.out), { recursive: true });
await writeFile(values.out, svg);
console.log(`wrote ${values.out}`);
