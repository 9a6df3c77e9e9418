// `npx tsx load-tests/capacity/sweep.ts --rates 100,200,300 [options]`: finds one target's
// sustainable rate for the browse mix (rate-sweep.ts), e.g. the whole stack through the edge.
// Entry file: arguments are read here and nowhere else.
import { fileURLToPath } from 'node:url';
import { numberArgument, numberListArgument, parseCommandLine, parseParams } from '../cli.ts';
import { MAX_RATE_CONNECTIONS } from '../scenarios.ts';
import { DEFAULT_OBJECTIVE, DEFAULT_STOP_AFTER_MISSES, sweepRates } from './rate-sweep.ts';

const USAGE = `usage: npx tsx load-tests/capacity/sweep.ts --rates R1,R2,... [options]

  --base-url URL      the target (default http://127.0.0.1:8080, the edge)
  --rates LIST        offered rates in requests/s, in increasing order
  --duration S        seconds per rate (default 20)
  --warmup S          unrecorded seconds at the first rate before the sweep (default 10)
  --p99-ms MS         the objective's p99 bound (default 250); also 0 errors and at least 95%
                      of the offered rate delivered
  --stop-after N      stop after N rates in a row miss the objective (default ${DEFAULT_STOP_AFTER_MISSES})
  --label NAME        names the summary file (default sweep)
  --param NAME=VALUE  a fact about the target, kept in every results file (replicas=2)
  --no-wait-quiet     do not wait for other processes to go quiet before each rate
  --stack-dir DIR     the native stack whose parts' CPU is counted (default this checkout's
                      .local/stack; another checkout's when measuring its stack)
  --out-dir DIR       where results go (default load-tests/results)

Connections: one per 4 req/s offered, at most ${MAX_RATE_CONNECTIONS} (load-tests/README.md).`;

const { values } = parseCommandLine(USAGE, {
  options: {
    'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
    rates: { type: 'string' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '10' },
    'p99-ms': { type: 'string', default: String(DEFAULT_OBJECTIVE.p99Ms) },
    'stop-after': { type: 'string', default: String(DEFAULT_STOP_AFTER_MISSES) },
    label: { type: 'string', default: 'sweep' },
    param: { type: 'string', multiple: true, default: [] },
    'no-wait-quiet': { type: 'boolean', default: false },
    'stack-dir': { type: 'string' },
    'out-dir': { type: 'string' },
  },
});
// A rate of 0 would divide by zero in the delivered fraction; --stop-after 0 would stop
// before the first rate.
const rates = numberListArgument(USAGE, '--rates', values.rates ?? '');
const duration = numberArgument(USAGE, '--duration', values.duration);
const warmup = numberArgument(USAGE, '--warmup', values.warmup, { allowZero: true });
const p99Ms = numberArgument(USAGE, '--p99-ms', values['p99-ms']);
const stopAfter = numberArgument(USAGE, '--stop-after', values['stop-after'], { integer: true });
await sweepRates({
  label: values.label,
  baseUrl: values['base-url'].replace(/\/+$/, ''),
  rates,
  secondsPerRate: duration,
  warmupSeconds: warmup,
  objective: { ...DEFAULT_OBJECTIVE, p99Ms },
  stopAfterMisses: stopAfter,
  params: parseParams(USAGE, values.param),
  outDir: values['out-dir'] ?? fileURLToPath(new URL('../results/', import.meta.url)),
  waitQuiet: !values['no-wait-quiet'],
  ...(values['stack-dir'] ? { stackDir: values['stack-dir'] } : {}),
});
