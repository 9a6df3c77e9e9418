// `npm run loadtest -- <scenario> [options]`: runs a scenario from scenarios.ts with autocannon
// against a running stack, prints a table and writes results/<UTC time>-<scenario>.{json,md}.
// Entry file: arguments and the environment are read here and nowhere else.
import { fileURLToPath } from 'node:url';
import { waitForQuiet } from './capacity/process-cpu.ts';
import {
  atMostPositionals,
  numberArgument,
  parseCommandLine,
  parseParams,
  usageError,
} from './cli.ts';
import { formatCpu, formatRate, formatSummary, writeResults } from './results.ts';
import { runScenario } from './run-scenario.ts';
import { isScenarioName, SCENARIO_NAMES } from './scenarios.ts';

const USAGE = `usage: npm run loadtest -- <${SCENARIO_NAMES.join('|')}> [options]

  --base-url URL       the stack's edge (default $BASE_URL or http://127.0.0.1:8080)
  --duration S         seconds in all (the spike splits them into thirds)
  --rate R             requests/s (the spike: its normal rate; the peak is 8 times that)
  --scale X            multiply the default rates and connections (1 suits 2 cores)
  --connections N      connections per phase
  --smoke              a few seconds at a low rate; exit 1 if the error rate is too high
  --max-error-rate F   with --smoke, the largest error rate that passes (default 0)
  --param NAME=VALUE   record a fact about the target in the results (e.g. replicas=2)
  --wait-quiet         first wait (up to 10 minutes) until other processes use under half
                       a core, and record what the machine was doing in the results
  --stack-dir DIR      the native stack whose parts' CPU is counted (default this checkout's
                       .local/stack)
  --out-dir DIR        where results go (default load-tests/results)`;

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: {
    'base-url': { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    scale: { type: 'string' },
    connections: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'max-error-rate': { type: 'string', default: '0' },
    param: { type: 'string', multiple: true, default: [] },
    'wait-quiet': { type: 'boolean', default: false },
    'stack-dir': { type: 'string' },
    'out-dir': { type: 'string' },
  },
});

atMostPositionals(USAGE, positionals, 1);
const scenario = positionals[0];
if (scenario === undefined) usageError(USAGE, 'name a scenario');
if (!isScenarioName(scenario)) usageError(USAGE, `no scenario is called "${scenario}"`);

/** An optional number option: absent stays absent, so the scenario's default applies. */
function optionalNumber(name: string, text: string | undefined, rule = {}): number | undefined {
  return text === undefined ? undefined : numberArgument(USAGE, `--${name}`, text, rule);
}

const baseUrl = (values['base-url'] ?? process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(
  /\/+$/,
  '',
);
const maxErrorRate = numberArgument(USAGE, '--max-error-rate', values['max-error-rate'], {
  allowZero: true,
});
if (maxErrorRate >= 1) {
  usageError(
    USAGE,
    `--max-error-rate must be a fraction in [0, 1), got "${values['max-error-rate']}"`,
  );
}
const params = parseParams(USAGE, values.param);
const outDir = values['out-dir'] ?? fileURLToPath(new URL('./results/', import.meta.url));

const plan = {
  durationSeconds: optionalNumber('duration', values.duration),
  rate: optionalNumber('rate', values.rate),
  scale: optionalNumber('scale', values.scale),
  connections: optionalNumber('connections', values.connections, { integer: true }),
  smoke: values.smoke,
};

const log = (line: string) => console.log(line);
const onStack = values['stack-dir'] ? { stackDir: values['stack-dir'] } : {};
const conditions = values['wait-quiet'] ? await waitForQuiet({ log, ...onStack }) : undefined;
const results = await runScenario({
  scenario,
  baseUrl,
  plan,
  params,
  maxErrorRate,
  ...(conditions ? { conditions } : {}),
  ...onStack,
  log,
});

log(`\n${formatSummary(results)}\n`);
log(
  `statuses ${JSON.stringify(results.statusCodes)}, connection errors ${results.connectionErrors} (timeouts ${results.timeouts}), error rate ${formatRate(results.errorRate)}`,
);
if (results.cpu) log(`cores while loaded: ${formatCpu(results.cpu)}`);
const files = await writeResults(outDir, results);
log(`results: ${files.json}\n         ${files.markdown}`);

if (results.passed === false) {
  console.error(
    results.overall.requests === 0
      ? 'smoke failed: no responses at all'
      : `smoke failed: error rate ${formatRate(results.errorRate)} is above ${formatRate(maxErrorRate)}`,
  );
  process.exit(1);
}
