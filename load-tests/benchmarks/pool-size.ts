// Measures one API process's throughput on a read-heavy endpoint for several database pool
// sizes, to choose DATABASE_POOL_SIZE's default (docs/configuration.md quotes the result).
// Needs the native stack's Postgres and Redis: `npm run stack:up` first.
//   npx tsx load-tests/benchmarks/pool-size.ts [sizes=2,5,10,20] [seconds=10] [connections=32]
import { randomBytes } from 'node:crypto';
import { nativeServiceUrls } from '@headroom/testing/native-services';
import { startApiProcess } from '@headroom/testing/processes';
import autocannon from 'autocannon';
import { parsePositionalNumbers } from '../cli.ts';

const DEFAULTS = { sizes: '2,5,10,20', seconds: '10', connections: '32' };
const USAGE = `usage: npx tsx load-tests/benchmarks/pool-size.ts [sizes=${DEFAULTS.sizes}] [seconds=${DEFAULTS.seconds}] [connections=${DEFAULTS.connections}]

  sizes        DATABASE_POOL_SIZE values to compare, comma-separated
  seconds      measured seconds per pool size
  connections  autocannon connections`;

const [sizes, durationSeconds, connections] = parsePositionalNumbers(USAGE, [
  { name: 'sizes', fallback: DEFAULTS.sizes, list: true, integer: true },
  { name: 'seconds', fallback: DEFAULTS.seconds },
  { name: 'connections', fallback: DEFAULTS.connections, integer: true },
]);
const PATH = '/api/articles?limit=20';
/** Unmeasured seconds before each measured run: JIT compilation and connection set-up. */
const WARMUP_SECONDS = 2;

const stackEnv = nativeServiceUrls('stack');

console.log(`GET ${PATH}, ${connections} connections, ${durationSeconds} s per pool size\n`);
console.log('| pool size | requests/s | p50 ms | p99 ms | errors |');
console.log('|---:|---:|---:|---:|---:|');
for (const size of sizes) {
  const api = await startApiProcess({
    ...stackEnv,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATABASE_POOL_SIZE: String(size),
  });
  try {
    await autocannon({ url: `${api.baseUrl}${PATH}`, connections, duration: WARMUP_SECONDS });
    const result = await autocannon({
      url: `${api.baseUrl}${PATH}`,
      connections,
      duration: durationSeconds,
    });
    console.log(
      `| ${size} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${result.errors + result.non2xx} |`,
    );
  } finally {
    await api.stop();
  }
}
