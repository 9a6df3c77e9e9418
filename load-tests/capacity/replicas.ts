// `npx tsx load-tests/capacity/replicas.ts [options]`: the sustainable browse rate of 1, 2 and
// 4 API replicas behind the load balancer, each replica held to the same CPU share
// (cpu-share.sh), so per-replica capacity shows on a 2-core machine. For each replica count
// it restarts the native stack with that many API processes, holds them to the share, and runs
// a rate sweep (rate-sweep.ts) through the load balancer; at the end it releases the CPU
// limits and restarts the stack in its default configuration.
// Entry file: arguments are read here and nowhere else. Needs root (cgroups) and the native
// stack's prerequisites (npm run stack:up works).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { numberArgument, numberListArgument, parseCommandLine } from '../cli.ts';
import {
  DEFAULT_OBJECTIVE,
  DEFAULT_STOP_AFTER_MISSES,
  describeObjective,
  sweepRates,
} from './rate-sweep.ts';

const USAGE = `usage: npx tsx load-tests/capacity/replicas.ts [options]

  --replicas LIST           replica counts (default 1,2,4)
  --cpu-share CPUS          CPU each replica may use (default 0.15)
  --rates-per-replica LIST  offered rates per replica; a sweep offers LIST x replicas
                            (default 50,65,80,95,110,125)
  --repeats N               sweeps per replica count (default 2)
  --first-repeat N          number the sweeps from N (default 1), to add sweeps to a series
  --duration S              seconds per rate (default 20)
  --warmup S                unrecorded seconds at the first rate after each restart (default 30)
  --p99-ms MS               the objective's p99 bound (default ${DEFAULT_OBJECTIVE.p99Ms})
  --stop-after N            stop a sweep after N rates in a row miss the objective
                            (default ${DEFAULT_STOP_AFTER_MISSES})
  --base-url URL            the load balancer (default http://127.0.0.1:8081)
  --out-dir DIR             where results go (default load-tests/results)
  --no-restore              leave the last configuration running, CPU limits included`;

const { values } = parseCommandLine(USAGE, {
  options: {
    replicas: { type: 'string', default: '1,2,4' },
    'cpu-share': { type: 'string', default: '0.15' },
    'rates-per-replica': { type: 'string', default: '50,65,80,95,110,125' },
    repeats: { type: 'string', default: '2' },
    'first-repeat': { type: 'string', default: '1' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '30' },
    'p99-ms': { type: 'string', default: String(DEFAULT_OBJECTIVE.p99Ms) },
    'stop-after': { type: 'string', default: String(DEFAULT_STOP_AFTER_MISSES) },
    'base-url': { type: 'string', default: 'http://127.0.0.1:8081' },
    'out-dir': { type: 'string' },
    'no-restore': { type: 'boolean', default: false },
  },
});

const whole = { integer: true };
const replicaCounts = numberListArgument(USAGE, '--replicas', values.replicas, whole);
const perReplica = numberListArgument(USAGE, '--rates-per-replica', values['rates-per-replica']);
// Kept as text: it names the results files and goes to cpu-share.sh as given.
const cpuShare = values['cpu-share'];
numberArgument(USAGE, '--cpu-share', cpuShare);
const repeats = numberArgument(USAGE, '--repeats', values.repeats, whole);
const firstRepeat = numberArgument(USAGE, '--first-repeat', values['first-repeat'], whole);
const duration = numberArgument(USAGE, '--duration', values.duration);
const warmup = numberArgument(USAGE, '--warmup', values.warmup, { allowZero: true });
const objective = {
  ...DEFAULT_OBJECTIVE,
  p99Ms: numberArgument(USAGE, '--p99-ms', values['p99-ms']),
};
const stopAfter = numberArgument(USAGE, '--stop-after', values['stop-after'], whole);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const outDir = values['out-dir'] ?? fileURLToPath(new URL('../results/', import.meta.url));
const baseUrl = values['base-url'].replace(/\/+$/, '');
const log = (line: string) => console.log(line);

function sh(command: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The native stack with `replicas` API processes (stack.sh reads HEADROOM_API_REPLICAS). */
function restack(replicas: number | undefined): void {
  log(`\n==> stack: down, then up with ${replicas ?? 'the default number of'} API replicas`);
  sh('bash', ['load-tests/capacity/cpu-share.sh', 'release']);
  sh('bash', ['infra/native/stack.sh', 'down']);
  sh(
    'bash',
    ['infra/native/stack.sh', 'up'],
    replicas === undefined ? {} : { HEADROOM_API_REPLICAS: String(replicas) },
  );
}

const summaries: string[] = [];
try {
  for (const replicas of replicaCounts) {
    restack(replicas);
    log(sh('bash', ['load-tests/capacity/cpu-share.sh', 'hold', cpuShare]).trim());
    for (let repeat = firstRepeat; repeat < firstRepeat + repeats; repeat++) {
      const { summary, file } = await sweepRates({
        label: `replicas-${replicas}-cpu${cpuShare}-run${repeat}`,
        baseUrl,
        rates: perReplica.map((rate) => rate * replicas),
        secondsPerRate: duration,
        // The first sweep after a restart warms the processes and Postgres' cache: a process
        // held to a small CPU share takes a while to JIT-compile its hot paths.
        warmupSeconds: repeat === firstRepeat ? warmup : 0,
        objective,
        stopAfterMisses: stopAfter,
        params: { replicas: String(replicas), cpuShare, repeat: String(repeat) },
        outDir,
        log,
      });
      summaries.push(
        `${replicas} replicas, run ${repeat}: ${summary.maxSustainedRate} req/s (${file})`,
      );
    }
    log(sh('bash', ['load-tests/capacity/cpu-share.sh', 'status']).trim());
  }
} finally {
  if (values['no-restore']) {
    log('\nleaving the last configuration running (--no-restore)');
  } else {
    restack(undefined);
  }
}
log(`\nsustainable browse rates (${describeObjective(objective)}):\n${summaries.join('\n')}`);
