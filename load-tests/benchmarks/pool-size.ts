// Measures one API process's throughput on a read-heavy endpoint for several database pool
// sizes, to choose DATABASE_POOL_SIZE's default (docs/configuration.md quotes the result).
// Needs the native stack's Postgres and Redis: `npm run stack:up` first.
//   npx tsx load-tests/benchmarks/pool-size.ts [sizes=2,5,10,20] [seconds=10] [connections=32]
import { randomBytes } from 'node:crypto';
import { nativeServiceUrls } from '@headroom/testing/native-services';
import { startApiProcess } from '@headroom/testing/processes';
import autocannon from 'autocannon';

const sizes = (process.argv[2] ?? '2,5,10,20').split(',').map(Number);
const durationSeconds = Number(process.argv[3] ?? 10);
const connections = Number(process.argv[4] ?? 32);
const PATH = '/api/articles?limit=20';

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
    // A short warm-up so JIT compilation and connection set-up are not measured.
    await autocannon({ url: `${api.baseUrl}${PATH}`, connections, duration: 2 });
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
