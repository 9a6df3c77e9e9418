// What one autocannon process, driven the way every load-test script drives it (run-plan.ts:
// a request built per call, every response recorded), can send on this machine: against a
// target that costs next to nothing (the edge's /healthz, nginx answering a constant), closed
// loops at several connection counts, then fixed rates over one connection per 4 req/s (the
// old rule) and over connectionsFor's capped count. Whatever a target endpoint is measured at
// beyond these figures is the load generator's ceiling, not the server's. load-tests/README.md
// quotes the result; scenarios.ts MAX_RATE_CONNECTIONS comes from it.
//   npx tsx load-tests/benchmarks/generator-ceiling.ts [--url URL] [--seconds S]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STACK_DIR, waitForQuiet } from '../capacity/process-cpu.ts';
import { numberArgument, numberListArgument, parseCommandLine } from '../cli.ts';
import { describeMachine, fileStamp, markdownTable } from '../results.ts';
import { measurePlan } from '../run-scenario.ts';
import { connectionsFor, type Phase } from '../scenarios.ts';

const USAGE = `usage: npx tsx load-tests/benchmarks/generator-ceiling.ts [options]

  --url URL          the cheap target (default http://127.0.0.1:8080/healthz, the edge's)
  --seconds S        measured seconds per run (default 10)
  --closed LIST      connection counts for the closed loops (default 50,200,1000)
  --rates LIST       fixed rates, req/s (default 2000,4000,8000,12000,16000)
  --stack-dir DIR    the native stack whose nginx is counted (default this checkout's)`;

const { values } = parseCommandLine(USAGE, {
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080/healthz' },
    seconds: { type: 'string', default: '10' },
    closed: { type: 'string', default: '50,200,1000' },
    rates: { type: 'string', default: '2000,4000,8000,12000,16000' },
    'stack-dir': { type: 'string', default: DEFAULT_STACK_DIR },
  },
});
const seconds = numberArgument(USAGE, '--seconds', values.seconds);
const whole = { integer: true };
const closedConnections = numberListArgument(USAGE, '--closed', values.closed, whole);
const rates = numberListArgument(USAGE, '--rates', values.rates, whole);
const target = new URL(values.url);
const baseUrl = target.origin;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const stackDir = values['stack-dir'];

const runs: { rate: number | null; connections: number; rule: string }[] = [
  ...closedConnections.map((connections) => ({ rate: null, connections, rule: 'closed loop' })),
  ...rates.flatMap((rate) => {
    const uncapped = Math.ceil(rate / 4);
    const capped = connectionsFor(rate);
    return [
      { rate, connections: uncapped, rule: 'rate / 4' },
      ...(capped === uncapped ? [] : [{ rate, connections: capped, rule: 'connectionsFor' }]),
    ];
  }),
];

const log = (line: string) => console.error(line);

async function measure(run: (typeof runs)[number]) {
  const conditions = await waitForQuiet({ log, stackDir });
  const phase: Phase = { name: 'steady', seconds, rate: run.rate, connections: run.connections };
  const results = await measurePlan({
    plan: {
      scenario: 'generator-ceiling',
      phases: [phase],
      sessions: 0,
      request: () => ({ label: 'healthz', method: 'GET', path: target.pathname, expect: [200] }),
    },
    fixtures: { catalog: { slugs: [], tags: [], authors: [] }, sessions: [] },
    baseUrl,
    params: {},
    smoke: false,
    conditions,
    stackDir,
    log: () => {},
  });
  const { cpu, overall } = results;
  const cores = (part: 'loadgen' | 'nginx' | 'other') =>
    cpu ? Math.round((cpu.parts[part] / cpu.seconds) * 100) / 100 : Number.NaN;
  return {
    rule: run.rule,
    offered: run.rate,
    connections: run.connections,
    delivered: overall.requestsPerSecond,
    p50: overall.p50,
    p99: overall.p99,
    max: overall.max,
    errors: overall.errors,
    loadgenCores: cores('loadgen'),
    loadgenCpuMsPerRequest:
      cpu && overall.requests > 0
        ? Math.round((cpu.parts.loadgen * 1_000_000) / overall.requests) / 1000
        : Number.NaN,
    nginxCores: cores('nginx'),
    otherCores: cores('other'),
    machineCores: cpu?.machineCores ?? Number.NaN,
    conditions,
  };
}

const rows: Awaited<ReturnType<typeof measure>>[] = [];
for (const run of runs) {
  const row = await measure(run);
  rows.push(row);
  log(
    `${row.rule}, ${row.offered ?? 'no'} rate, ${row.connections} connections: ${row.delivered} req/s, p50 ${row.p50} p99 ${row.p99} ms, load generator ${row.loadgenCores} cores, nginx ${row.nginxCores}`,
  );
}

console.log(
  markdownTable(
    [
      'connections rule',
      'offered req/s',
      'connections',
      'delivered req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'load generator cores',
      'load generator CPU ms per request',
      'nginx cores',
      'other processes, cores',
      'machine cores',
    ],
    rows.map((row) => [
      row.rule,
      row.offered ?? 'closed loop',
      row.connections,
      row.delivered,
      row.p50,
      row.p99,
      row.max,
      row.errors,
      row.loadgenCores,
      row.loadgenCpuMsPerRequest,
      row.nginxCores,
      row.otherCores,
      row.machineCores,
    ]),
  ),
);
const startedAt = new Date();
const file = path.join(
  repoRoot,
  'load-tests/results',
  `generator-ceiling-${fileStamp(startedAt)}.json`,
);
await mkdir(path.dirname(file), { recursive: true });
await writeFile(
  file,
  `${JSON.stringify({ url: values.url, seconds, machine: describeMachine(), finishedAt: startedAt.toISOString(), runs: rows }, null, 2)}\n`,
);
console.log(`\nresults: ${file}`);
