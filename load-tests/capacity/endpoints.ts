// `npx tsx load-tests/capacity/endpoints.ts [options]`: the figures of issue 8's targets table,
// measured as the issue measured them: each endpoint alone through the edge, autocannon with 50
// connections in a closed loop for 15 s after a short warm-up, with the CPU every part of the
// stack used (endpoint-runs.ts). Entry file: arguments are read here and nowhere else.
import { fileURLToPath } from 'node:url';
import { numberArgument, parseCommandLine, parseParams, usageError } from '../cli.ts';
import { isSingleEndpointName, type SingleEndpointName, TARGET_ENDPOINTS } from '../scenarios.ts';
import { type EndpointSettings, runEndpoints, writeEndpointsResults } from './endpoint-runs.ts';
import { DEFAULT_STACK_DIR } from './process-cpu.ts';

/**
 * The issue's own harness: 50 connections, 15 s per endpoint, 50 seeded users signed in, the
 * article page over 500 slugs. The 3 s warm-up is ours: enough for the API's JIT, the pools
 * and the caches to fill, short enough that 7 endpoints take about 2.5 minutes a round.
 */
const DEFAULTS: EndpointSettings = {
  rate: null,
  connections: 50,
  durationSeconds: 15,
  warmupSeconds: 3,
  repeats: 1,
  users: 50,
  slugs: 500,
};
/** A second per endpoint at 2 connections, 5 users, no warm-up: the harness works, nothing more. */
const SMOKE: EndpointSettings = {
  rate: null,
  connections: 2,
  durationSeconds: 1,
  warmupSeconds: 0,
  repeats: 1,
  users: 5,
  slugs: 100,
};

const USAGE = `usage: npx tsx load-tests/capacity/endpoints.ts [options]

  --endpoints LIST    comma-separated, in this order by default: ${TARGET_ENDPOINTS.join(',')}
                      (also: profile)
  --duration S        measured seconds per endpoint (default ${DEFAULTS.durationSeconds})
  --warmup S          unrecorded seconds before each, same load (default ${DEFAULTS.warmupSeconds})
  --connections N     connections, closed loop (default ${DEFAULTS.connections})
  --repeats N         rounds over the endpoints, interleaved (default ${DEFAULTS.repeats})
  --users N           seeded users logged in for the signed-in endpoints (default ${DEFAULTS.users})
  --slugs N           the newest N articles' slugs for the article page (default ${DEFAULTS.slugs})
  --base-url URL      the target (default http://127.0.0.1:8080, the edge)
  --param NAME=VALUE  a fact about the target, kept in the results (cache=on, code=ea7d577)
  --label NAME        added to the results file's name
  --wait-quiet        before each endpoint, wait (up to 10 minutes) until other processes use
                      under half a core
  --stack-dir DIR     the native stack whose parts' CPU is counted (default this checkout's
                      .local/stack; another checkout's when measuring its stack)
  --smoke             a second per endpoint at 2 connections; exit 1 on any error
  --out-dir DIR       where results go (default load-tests/results)`;

const { values } = parseCommandLine(USAGE, {
  options: {
    endpoints: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    repeats: { type: 'string' },
    users: { type: 'string' },
    slugs: { type: 'string' },
    'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
    param: { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: '' },
    'wait-quiet': { type: 'boolean', default: false },
    'stack-dir': { type: 'string', default: DEFAULT_STACK_DIR },
    smoke: { type: 'boolean', default: false },
    'out-dir': { type: 'string' },
  },
});

const endpoints: SingleEndpointName[] =
  values.endpoints === undefined
    ? [...TARGET_ENDPOINTS]
    : values.endpoints.split(',').map((name) => {
        if (!isSingleEndpointName(name)) usageError(USAGE, `unknown endpoint "${name}"`);
        return name;
      });
const base = values.smoke ? SMOKE : DEFAULTS;
const whole = { integer: true };
const option = (name: keyof typeof values, fallback: number, rule = {}) => {
  const text = values[name];
  return typeof text === 'string' ? numberArgument(USAGE, `--${name}`, text, rule) : fallback;
};
const settings: EndpointSettings = {
  rate: null,
  connections: option('connections', base.connections, whole),
  durationSeconds: option('duration', base.durationSeconds),
  warmupSeconds: option('warmup', base.warmupSeconds, { allowZero: true }),
  repeats: option('repeats', base.repeats, whole),
  users: option('users', base.users, whole),
  slugs: option('slugs', base.slugs, whole),
};

const log = (line: string) => console.log(line);
const results = await runEndpoints({
  label: values.label,
  baseUrl: values['base-url'].replace(/\/+$/, ''),
  endpoints,
  settings,
  params: parseParams(USAGE, values.param),
  smoke: values.smoke,
  waitQuiet: values['wait-quiet'],
  stackDir: values['stack-dir'],
  log,
});
const files = await writeEndpointsResults(
  values['out-dir'] ?? fileURLToPath(new URL('../results/', import.meta.url)),
  results,
);
log(`results: ${files.json}\n         ${files.markdown}`);
if (results.passed === false) {
  console.error('smoke failed: an endpoint had errors or no responses (see the results)');
  process.exit(1);
}
