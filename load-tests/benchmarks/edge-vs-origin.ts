// Requests per second for one cached, content-hashed asset (the framework chunk, the biggest
// file of the first page load), served by the edge from its cache against the web origin
// serving it from disk, and how many of the edge's requests reached the origin (its access
// log). docs/cdn.md quotes the result. Needs the native stack: `npm run stack:up` first
// (edge on :8080, web origin on :8082).
//   npx tsx load-tests/benchmarks/edge-vs-origin.ts [seconds=10] [connections=50]
import { readFile } from 'node:fs/promises';
import { RECONNECT_EVERY_REQUESTS } from '@headroom/testing/load-client';
import autocannon from 'autocannon';
import { parsePositionalNumbers } from '../cli.ts';

const DEFAULTS = { seconds: '10', connections: '50' };
const USAGE = `usage: npx tsx load-tests/benchmarks/edge-vs-origin.ts [seconds=${DEFAULTS.seconds}] [connections=${DEFAULTS.connections}]

  seconds      measured seconds for each server
  connections  autocannon connections
The edge's and the web origin's ports: HEADROOM_EDGE_PORT and HEADROOM_WEB_PORT, as stack.sh.`;

const [durationSeconds, connections] = parsePositionalNumbers(USAGE, [
  { name: 'seconds', fallback: DEFAULTS.seconds },
  { name: 'connections', fallback: DEFAULTS.connections, integer: true },
]);
/** Unmeasured seconds before each measured run: connection set-up and the first reads from disk. */
const WARMUP_SECONDS = 2;
const EDGE = `http://127.0.0.1:${process.env.HEADROOM_EDGE_PORT ?? 8080}`;
const ORIGIN = `http://127.0.0.1:${process.env.HEADROOM_WEB_PORT ?? 8082}`;
// What a browser sends, so both serve the precompressed brotli file.
const headers = { 'accept-encoding': 'gzip, deflate, br' };
const ORIGIN_ACCESS_LOG = new URL(
  '../../.local/stack/nginx/web-origin/logs/access.log',
  import.meta.url,
);

async function originRequests(): Promise<number> {
  return (await readFile(ORIGIN_ACCESS_LOG, 'utf8')).split('\n').length - 1;
}

const page = await (await fetch(`${EDGE}/`)).text();
const asset = /\/assets\/framework-[\w-]+\.js/.exec(page)?.[0];
if (!asset) throw new Error(`no framework chunk in ${EDGE}/; is the stack up (npm run stack:up)?`);

// Fill the edge's cache, and check it is a hit from then on.
await fetch(`${EDGE}${asset}`, { headers });
const probe = await fetch(`${EDGE}${asset}`, { headers });
const size = Number(probe.headers.get('content-length'));
if (probe.headers.get('x-cache-status') !== 'HIT') {
  throw new Error(`expected a cache HIT at the edge, got ${probe.headers.get('x-cache-status')}`);
}

console.log(
  `GET ${asset} (${(size / 1000).toFixed(1)} kB brotli), ${connections} connections, ${durationSeconds} s each\n`,
);
console.log('| served by | requests/s | p50 ms | p99 ms | MB/s | errors | reached the origin |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, base] of [
  ['edge (cache HIT)', EDGE],
  ['web origin (disk)', ORIGIN],
] as const) {
  await autocannon({
    url: `${base}${asset}`,
    headers,
    connections,
    duration: WARMUP_SECONDS,
    reconnectRate: RECONNECT_EVERY_REQUESTS,
  });
  const originBefore = await originRequests();
  const result = await autocannon({
    url: `${base}${asset}`,
    headers,
    connections,
    duration: durationSeconds,
    reconnectRate: RECONNECT_EVERY_REQUESTS,
  });
  console.log(
    `| ${name} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${(result.throughput.average / 1e6).toFixed(0)} | ${result.errors + result.non2xx} | ${(await originRequests()) - originBefore} |`,
  );
}
