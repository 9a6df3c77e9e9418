// A spike of 20 times the sustainable rate, through the edge (issue 9, item 7): first the
// chosen page's sustainable rate, found as docs/capacity.md finds one (fixed rates, each held
// for a while, the objective p99 < 250 ms, 0 errors, >= 95% delivered; the highest rate that
// met it), then that rate, a burst of 20 times it, and that rate again. It passes when no API
// process crashed, every answer in the burst was a 2xx or a 503 (no other 5xx, no 429, no
// connection error or timeout), the admitted requests' p99 in the burst stayed under 1 s, and
// within 5 s after the burst every second's answers were back to the objective. Prints one
// PASS/FAIL line with the figures and writes them to results/spike-20x-<UTC time>.json.
//
// The default page is the login: it reaches the API and Postgres on every request and asks for
// an argon2id verify, so its sustainable rate is low enough that 20 times it is a rate this
// machine's load generator can really offer (the anonymous list, at 10,000+ req/s, is not).
// Run against the native stack with the rate limits raised (one address sends everything):
//   RATE_LIMIT_MULTIPLIER=1000 npm run stack:up
//   npx tsx load-tests/benchmarks/spike-20x.ts [--rates 20,30,...] [--sustainable R]
// Entry file: arguments are read here and nowhere else.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadFixtures } from '../autocannon/fixtures.ts';
import { runPlan } from '../autocannon/run-plan.ts';
import { DEFAULT_STACK_DIR, waitForQuiet } from '../capacity/process-cpu.ts';
import { DEFAULT_OBJECTIVE, meetsObjective } from '../capacity/rate-sweep.ts';
import { numberArgument, numberListArgument, parseCommandLine, usageError } from '../cli.ts';
import { fileStamp, formatCounts } from '../results.ts';
import { measurePlan } from '../run-scenario.ts';
import {
  connectionsFor,
  isSingleEndpointName,
  type Phase,
  type ScenarioPlan,
  SINGLE_ENDPOINTS,
} from '../scenarios.ts';
import { createRecorder, type ResponseSample, summarizeLatencies } from '../stats.ts';

/** The multiple of the sustainable rate. */
const SPIKE_MULTIPLIER = 20;
/** The issue's bounds: admitted requests' p99 in the burst, and the time to recover after it. */
const ADMITTED_P99_BOUND_MS = 1_000;
const RECOVERY_BOUND_MS = 5_000;

const USAGE = `usage: npx tsx load-tests/benchmarks/spike-20x.ts [options]

  --base-url URL      the target (default http://127.0.0.1:8080, the edge)
  --endpoint NAME     the page (default login; any of scenarios.ts SINGLE_ENDPOINTS)
  --rates LIST        offered rates for the sustainable-rate sweep, increasing
                      (default 40,60,80,100,120,140,160,180,200)
  --sustainable R     skip the sweep and take R as the sustainable rate
  --step-seconds S    seconds per sweep rate (default 10)
  --before-seconds S  at the sustainable rate before the burst (default 5)
  --spike-seconds S   the burst (default 5)
  --after-seconds S   at the sustainable rate after the burst (default 15)
  --stack-dir DIR     the native stack (its API processes' pid files; default this checkout's)
  --out-dir DIR       where results go (default load-tests/results)`;

const { values } = parseCommandLine(USAGE, {
  options: {
    'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
    endpoint: { type: 'string', default: 'login' },
    rates: { type: 'string', default: '40,60,80,100,120,140,160,180,200' },
    sustainable: { type: 'string' },
    'step-seconds': { type: 'string', default: '10' },
    'before-seconds': { type: 'string', default: '5' },
    'spike-seconds': { type: 'string', default: '5' },
    'after-seconds': { type: 'string', default: '15' },
    'stack-dir': { type: 'string', default: DEFAULT_STACK_DIR },
    'out-dir': { type: 'string' },
  },
});
const endpoint = values.endpoint;
if (!isSingleEndpointName(endpoint)) usageError(USAGE, `no endpoint is called "${endpoint}"`);
const baseUrl = values['base-url'].replace(/\/+$/, '');
const rates = numberListArgument(USAGE, '--rates', values.rates, { integer: true });
const stepSeconds = numberArgument(USAGE, '--step-seconds', values['step-seconds']);
const beforeSeconds = numberArgument(USAGE, '--before-seconds', values['before-seconds']);
const spikeSeconds = numberArgument(USAGE, '--spike-seconds', values['spike-seconds']);
const afterSeconds = numberArgument(USAGE, '--after-seconds', values['after-seconds']);
const stackDir = values['stack-dir'];
const outDir = values['out-dir'] ?? fileURLToPath(new URL('../results/', import.meta.url));
const log = (line: string) => console.error(line);

const page = SINGLE_ENDPOINTS[endpoint];
const planFor = (phases: Phase[]): ScenarioPlan => ({
  scenario: endpoint,
  phases,
  sessions: page.signedIn ? 50 : 0,
  request: page.request,
});
const fixtures = await loadFixtures(baseUrl, planFor([]));
log(`${endpoint}: ${page.description}; ${fixtures.catalog.authors.length} authors`);
const apiPidsBefore = apiPids();

// 1. The sustainable rate, as docs/capacity.md measures one.
const sweep: { rate: number; delivered: number; p99: number; errors: number; meets: boolean }[] =
  [];
let sustainable =
  values.sustainable === undefined
    ? undefined
    : numberArgument(USAGE, '--sustainable', values.sustainable, { integer: true });
if (sustainable === undefined) {
  let misses = 0;
  for (const rate of rates) {
    await waitForQuiet({ log, stackDir });
    const results = await measurePlan({
      plan: planFor([
        { name: 'steady', seconds: stepSeconds, rate, connections: connectionsFor(rate) },
      ]),
      fixtures,
      baseUrl,
      params: { endpoint, rate: String(rate) },
      smoke: false,
      stackDir,
      log: () => undefined,
    });
    const meets = meetsObjective(results, rate, DEFAULT_OBJECTIVE);
    const o = results.overall;
    sweep.push({ rate, delivered: o.requestsPerSecond, p99: o.p99, errors: o.errors, meets });
    log(
      `sweep ${rate} req/s offered -> ${o.requestsPerSecond} delivered, p99 ${o.p99} ms, ${o.errors} errors (${formatCounts(results.statusCodes)}): ${meets ? 'meets' : 'MISSES'} the objective`,
    );
    misses = meets ? 0 : misses + 1;
    if (misses >= 2) break;
  }
  sustainable = Math.max(0, ...sweep.filter((step) => step.meets).map((step) => step.rate));
  if (sustainable === 0) {
    console.error(`FAIL spike 20x: no rate in ${rates.join(',')} met the objective`);
    process.exit(1);
  }
}
const peak = sustainable * SPIKE_MULTIPLIER;

// 2. The burst: the sustainable rate, 20 times it, and the sustainable rate again.
await waitForQuiet({ log, stackDir });
const samples: ResponseSample[] = [];
const failures: { phase: string; at: number; timedOut: boolean }[] = [];
const base = createRecorder();
const recorder: typeof base = {
  ...base,
  response: (sample) => {
    samples.push(sample);
    base.response(sample);
  },
  connectionError: (phase, at, timedOut) => {
    failures.push({ phase, at, timedOut });
    base.connectionError(phase, at, timedOut);
  },
};
const phases: Phase[] = [
  {
    name: 'before',
    seconds: beforeSeconds,
    rate: sustainable,
    connections: connectionsFor(sustainable),
  },
  { name: 'spike', seconds: spikeSeconds, rate: peak, connections: connectionsFor(peak) },
  {
    name: 'after',
    seconds: afterSeconds,
    rate: sustainable,
    connections: connectionsFor(sustainable),
  },
];
log(
  `burst: ${sustainable} req/s for ${beforeSeconds} s, ${peak} for ${spikeSeconds} s, ${sustainable} for ${afterSeconds} s`,
);
// The generator's own event-loop delay: a generator starved of CPU answers late, and its late
// reads would count as the server's latency.
const generatorDelay = monitorEventLoopDelay({ resolution: 10 });
generatorDelay.enable();
await runPlan({ plan: planFor(phases), fixtures, baseUrl, recorder, log });
generatorDelay.disable();
const apiPidsAfter = apiPids();

// 3. The verdict.
const inPhase = (name: string) => samples.filter((sample) => sample.phase === name);
const statusCounts = (list: ResponseSample[]) => {
  const counts: Record<string, number> = {};
  for (const sample of list) counts[sample.status] = (counts[sample.status] ?? 0) + 1;
  return counts;
};
const spike = inPhase('spike');
const admitted = spike.filter((sample) => sample.status >= 200 && sample.status < 300);
const admittedLatency = summarizeLatencies(admitted.map((sample) => sample.ms));
const wrongStatuses = samples.filter(
  (sample) => !(sample.status >= 200 && sample.status < 300) && sample.status !== 503,
);
const afterStart = Math.min(...inPhase('after').map((sample) => sample.at - sample.ms / 1000));
// Normal, to come back to: what a second looked like before the burst at the same rate (a
// sustainable rate is near the machine's limit, so its seconds' p99 can sit above the
// objective's bound for the whole run), or the objective, whichever is higher.
const normalP99Ms = Math.max(
  DEFAULT_OBJECTIVE.p99Ms,
  ...perSecond(inPhase('before')).map((second) => second.admittedP99),
);
const recoveryMs = recoveryAfter(inPhase('after'), afterStart, failures, normalP99Ms);
const crashed = apiPidsBefore.filter((pid) => !apiPidsAfter.includes(pid));
const figures = {
  endpoint,
  baseUrl,
  sustainableRate: sustainable,
  peakRate: peak,
  sweep,
  phases: Object.fromEntries(
    ['before', 'spike', 'after'].map((name) => {
      const list = inPhase(name);
      const seconds = phases.find((phase) => phase.name === name)?.seconds ?? 1;
      return [
        name,
        {
          answered: list.length,
          answeredPerSecond: Math.round(list.length / seconds),
          statuses: statusCounts(list),
          connectionErrors: failures.filter((failure) => failure.phase === name).length,
        },
      ];
    }),
  ),
  admittedInSpike: { count: admitted.length, ...admittedLatency },
  /** Each second of the run: answers by status, and the admitted (2xx) answers' p99. */
  timeline: perSecond(samples),
  unavailableShareInSpike: spike.length === 0 ? 0 : (spike.length - admitted.length) / spike.length,
  recoveryMs,
  normalP99Ms,
  generatorEventLoopDelayMs: {
    p99: Math.round(generatorDelay.percentile(99) / 1e6),
    max: Math.round(generatorDelay.max / 1e6),
  },
  apiProcesses: { before: apiPidsBefore, after: apiPidsAfter, crashed },
};
const passed =
  crashed.length === 0 &&
  apiPidsBefore.length > 0 &&
  wrongStatuses.length === 0 &&
  failures.length === 0 &&
  admitted.length > 0 &&
  admittedLatency.p99 < ADMITTED_P99_BOUND_MS &&
  recoveryMs !== undefined &&
  recoveryMs <= RECOVERY_BOUND_MS;

await mkdir(outDir, { recursive: true });
const file = path.join(outDir, `spike-20x-${fileStamp(new Date())}.json`);
await writeFile(file, `${JSON.stringify({ ...figures, passed }, null, 2)}\n`);
const spikeFigures = figures.phases.spike;
console.log(
  `${passed ? 'PASS' : 'FAIL'} spike 20x through ${baseUrl}: ${endpoint} sustainable ${sustainable} req/s, burst ${peak} req/s offered for ${spikeSeconds} s; burst answers ${spikeFigures?.answered} (${formatCounts(spikeFigures?.statuses ?? {})}), 503 share ${(figures.unavailableShareInSpike * 100).toFixed(1)}%, other non-2xx ${wrongStatuses.length}, connection errors ${failures.length}; admitted p99 ${admittedLatency.p99} ms (bound ${ADMITTED_P99_BOUND_MS}); recovered ${recoveryMs ?? 'never'} ms after the burst (bound ${RECOVERY_BOUND_MS}; normal: p99 <= ${normalP99Ms} ms a second); API processes crashed ${crashed.length} of ${apiPidsBefore.length}; the generator's event-loop delay p99 ${figures.generatorEventLoopDelayMs.p99} ms; ${file}`,
);
process.exit(passed ? 0 : 1);

/**
 * Milliseconds from `start` (the burst's end) to the beginning of the first whole second from
 * which every second's answers were normal (all 2xx, p99 at most `normalP99Ms`, no connection
 * error): when the site was back to normal for good. Undefined if the last second was not.
 */
function recoveryAfter(
  after: ResponseSample[],
  start: number,
  connectionFailures: { phase: string; at: number }[],
  normalP99Ms: number,
): number | undefined {
  const seconds = new Map<number, ResponseSample[]>();
  for (const sample of after) {
    const second = Math.floor(sample.at - start);
    seconds.set(second, [...(seconds.get(second) ?? []), sample]);
  }
  const failedSeconds = new Set(
    connectionFailures
      .filter((failure) => failure.phase === 'after')
      .map((failure) => Math.floor(failure.at - start)),
  );
  const ordered = [...seconds.keys()].sort((a, b) => a - b);
  const good = (second: number) => {
    const list = seconds.get(second) ?? [];
    return (
      !failedSeconds.has(second) &&
      list.every((sample) => sample.status >= 200 && sample.status < 300) &&
      summarizeLatencies(list.map((sample) => sample.ms)).p99 <= normalP99Ms
    );
  };
  const lastBad = ordered.findLast((second) => !good(second));
  if (lastBad === ordered.at(-1)) return undefined;
  return lastBad === undefined ? 0 : (lastBad + 1) * 1000;
}

/** The native stack's API processes (their pid files), to tell a crash from a survivor. */
function apiPids(): number[] {
  const procs = path.join(stackDir, 'procs');
  try {
    return readdirSync(procs)
      .filter((name) => /^api-\d+\.pid$/.test(name))
      .map((name) => Number(readFileSync(path.join(procs, name), 'utf8').split('\n')[0]))
      .filter((pid) => Number.isInteger(pid) && pid > 0 && isAlive(pid));
  } catch {
    return [];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function perSecond(list: ResponseSample[]) {
  const seconds = new Map<number, ResponseSample[]>();
  for (const sample of list) {
    const second = Math.floor(sample.at);
    seconds.set(second, [...(seconds.get(second) ?? []), sample]);
  }
  return [...seconds.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, answers]) => ({
      second,
      phase: answers[0]?.phase,
      statuses: statusCounts(answers),
      admittedP99: summarizeLatencies(
        answers.filter((sample) => sample.status < 300).map((sample) => sample.ms),
      ).p99,
    }));
}
