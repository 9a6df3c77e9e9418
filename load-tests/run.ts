// `npm run loadtest -- <scenario> [options]`: runs a scenario from scenarios.ts with autocannon
// against a running stack, prints a table and writes results/<UTC time>-<scenario>.{json,md}.
// Entry file: arguments and the environment are read here and nowhere else.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadFixtures } from './autocannon/fixtures.ts';
import { runPlan } from './autocannon/run-plan.ts';
import {
  describeMachine,
  formatRate,
  formatSummary,
  RESULTS_FORMAT,
  type RunResults,
  writeResults,
} from './results.ts';
import { isScenarioName, planScenario, SCENARIO_NAMES } from './scenarios.ts';
import { createRecorder } from './stats.ts';

const USAGE = `usage: npm run loadtest -- <${SCENARIO_NAMES.join('|')}> [options]

  --base-url URL       the stack's edge (default $BASE_URL or http://127.0.0.1:8080)
  --duration S         seconds in all (the spike splits them into thirds)
  --rate R             requests/s (the spike: its normal rate; the peak is 8 times that)
  --scale X            multiply the default rates and connections (1 suits 2 cores)
  --connections N      connections per phase
  --smoke              a few seconds at a low rate; exit 1 if the error rate is too high
  --max-error-rate F   with --smoke, the largest error rate that passes (default 0)
  --param NAME=VALUE   record a fact about the target in the results (e.g. replicas=2)
  --out-dir DIR        where results go (default load-tests/results)`;

function parseCommandLine() {
  try {
    return parseArgs({
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
        'out-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // An unknown option, or a value such as "-3" read as an option.
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const { values, positionals } = parseCommandLine();

const scenario = positionals[0];
if (values.help || scenario === undefined || !isScenarioName(scenario) || positionals.length > 1) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}

function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, got "${text}"\n\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

const baseUrl = (values['base-url'] ?? process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(
  /\/+$/,
  '',
);
const maxErrorRate = Number(values['max-error-rate']);
if (!(maxErrorRate >= 0 && maxErrorRate < 1)) {
  console.error(`--max-error-rate must be a fraction in [0, 1), got "${values['max-error-rate']}"`);
  process.exit(2);
}
const params = Object.fromEntries(
  values.param.map((pair) => {
    const [name, value] = pair.split(/=(.*)/s);
    if (!name || value === undefined) {
      console.error(`--param takes NAME=VALUE, got "${pair}"`);
      process.exit(2);
    }
    return [name, value];
  }),
);
const outDir = values['out-dir'] ?? fileURLToPath(new URL('./results/', import.meta.url));

const plan = planScenario(scenario, {
  durationSeconds: positiveNumber('duration', values.duration),
  rate: positiveNumber('rate', values.rate),
  scale: positiveNumber('scale', values.scale),
  connections: positiveNumber('connections', values.connections),
  smoke: values.smoke,
});

const log = (line: string) => console.log(line);
log(`${scenario} against ${baseUrl}${values.smoke ? ' (smoke)' : ''}`);
const fixtures = await loadFixtures(baseUrl, plan);
log(
  `set-up: ${fixtures.catalog.slugs.length} slugs, ${fixtures.catalog.tags.length} tags, ${fixtures.sessions.length} users logged in`,
);

const recorder = createRecorder();
const startedAt = new Date();
await runPlan({ plan, fixtures, baseUrl, recorder, log });
const finishedAt = new Date();

const measured = recorder.summarize(
  new Map(plan.phases.map((phase) => [phase.name, phase.seconds])),
);
const passed = values.smoke
  ? measured.overall.requests > 0 && measured.errorRate <= maxErrorRate
  : undefined;
const results: RunResults = {
  format: RESULTS_FORMAT,
  scenario,
  tool: 'autocannon',
  baseUrl,
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  smoke: values.smoke,
  params,
  machine: describeMachine(),
  phases: plan.phases,
  fixtures: {
    slugs: fixtures.catalog.slugs.length,
    tags: fixtures.catalog.tags.length,
    sessions: fixtures.sessions.length,
  },
  overall: measured.overall,
  endpoints: measured.endpoints,
  phaseSummaries: measured.phases,
  timeline: measured.timeline,
  statusCodes: measured.statusCodes,
  connectionErrors: measured.connectionErrors,
  timeouts: measured.timeouts,
  errorRate: measured.errorRate,
  ...(passed === undefined ? {} : { maxErrorRate, passed }),
};

log(`\n${formatSummary(results)}\n`);
log(
  `statuses ${JSON.stringify(results.statusCodes)}, connection errors ${results.connectionErrors} (timeouts ${results.timeouts}), error rate ${formatRate(results.errorRate)}`,
);
const files = await writeResults(outDir, results);
log(`results: ${files.json}\n         ${files.markdown}`);

if (passed === false) {
  console.error(
    measured.overall.requests === 0
      ? 'smoke failed: no responses at all'
      : `smoke failed: error rate ${formatRate(measured.errorRate)} is above ${formatRate(maxErrorRate)}`,
  );
  process.exit(1);
}
