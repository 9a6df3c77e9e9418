// `npx tsx load-tests/capacity/profile-endpoint.ts "<endpoint>" [seconds=20] [connections=16]`:
// a V8 CPU profile of one API process while it serves one endpoint of the browse mix
// ("tag page", "home", "article", "comments", "tags") or of the single-endpoint benchmark
// ("list-signed-in", "feed", ...: capacity/endpoints.ts), plus the CPU the API process and
// Postgres used per request, to say where the time goes (docs/capacity.md).
// It starts its own API process (as stack.sh starts one: the stack's database and its replica
// through PgBouncer, Redis, the cache Redis and the JWT secret; `npm run stack:up` first;
// HEADROOM_API_CACHE=off leaves the cache out, as stack.sh does) with the inspector on, records
// the profile over the inspector's Profiler domain for exactly the loaded window (start-up
// and warm-up excluded), then stops the process with SIGTERM. Writes the .cpuprofile and a
// JSON summary to load-tests/results/; summarise the profile with cpuprofile-summary.ts.
// Entry file: arguments are read here and nowhere else.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeServiceUrls, nativeStackPort } from '@headroom/testing/native-services';
import { freePort, startApiProcess } from '@headroom/testing/processes';
import autocannon from 'autocannon';
import { loadFixtures } from '../autocannon/fixtures.ts';
import { atMostPositionals, numberArgument, parseCommandLine, usageError } from '../cli.ts';
import { describeMachine, fileStamp } from '../results.ts';
import {
  BROWSE_ENDPOINTS,
  planScenario,
  requestHeaders,
  SINGLE_ENDPOINTS,
  type SingleEndpointName,
} from '../scenarios.ts';
import { cpuSnapshot, cpuUsage, processCpuSeconds } from './process-cpu.ts';

const ENDPOINTS = [...Object.keys(BROWSE_ENDPOINTS), ...Object.keys(SINGLE_ENDPOINTS)];
/** Signed-in endpoints log in this many seeded users at set-up, as capacity/endpoints.ts does. */
const SIGNED_IN_USERS = 50;
const DEFAULT_SECONDS = 20;
const DEFAULT_CONNECTIONS = 16;
const USAGE = `usage: npx tsx load-tests/capacity/profile-endpoint.ts <endpoint> [seconds=${DEFAULT_SECONDS}] [connections=${DEFAULT_CONNECTIONS}]

  endpoint     one of: ${ENDPOINTS.map((name) => `"${name}"`).join(', ')}
  seconds      how long the profile records, under load
  connections  autocannon connections`;

const { positionals } = parseCommandLine(USAGE, { allowPositionals: true, options: {} });
atMostPositionals(USAGE, positionals, 3);
const label = positionals[0];
if (label === undefined || !ENDPOINTS.includes(label)) {
  usageError(USAGE, `endpoint must be one of ${ENDPOINTS.join(', ')}, got "${label ?? ''}"`);
}
const single = Object.hasOwn(SINGLE_ENDPOINTS, label)
  ? SINGLE_ENDPOINTS[label as SingleEndpointName]
  : undefined;
const makeRequest = single
  ? single.request
  : BROWSE_ENDPOINTS[label as keyof typeof BROWSE_ENDPOINTS];
const seconds = numberArgument(USAGE, 'seconds', positionals[1] ?? String(DEFAULT_SECONDS));
const connections = numberArgument(
  USAGE,
  'connections',
  positionals[2] ?? String(DEFAULT_CONNECTIONS),
  { integer: true },
);

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const outDir = path.join(repoRoot, 'load-tests/results');
const WARMUP_SECONDS = 5;
/** 1 ms between samples, --cpu-prof's default. */
const SAMPLING_INTERVAL_US = 1000;

// The stack's services, as stack.sh gives them to its API processes: the database through
// PgBouncer (stack.sh's load_service_urls: Postgres' URL on PgBouncer's port).
const services = nativeServiceUrls('stack');
const throughPgBouncer = new URL(services.DATABASE_URL);
throughPgBouncer.port = String(nativeStackPort('pgbouncer'));
const replicaThroughPgBouncer = new URL(throughPgBouncer);
replicaThroughPgBouncer.pathname = '/headroom_replica';
const withCache = process.env.HEADROOM_API_CACHE !== 'off';

await mkdir(outDir, { recursive: true });
const base = path.join(outDir, `profile-${label.replaceAll(' ', '-')}-${fileStamp(new Date())}`);
const inspectorPort = await freePort();
// Its log lines go to a file, as the stack's API processes' do.
const api = await startApiProcess(
  {
    NODE_ENV: 'development',
    DATABASE_URL: throughPgBouncer.href,
    REDIS_URL: services.REDIS_URL,
    DATABASE_REPLICA_URL: replicaThroughPgBouncer.href,
    ...(withCache ? { CACHE_REDIS_URL: services.CACHE_REDIS_URL } : {}),
    JWT_SECRET: readFileSync(path.join(repoRoot, '.local/stack/jwt-secret'), 'utf8').trim(),
    OTEL_SERVICE_NAME: 'headroom-api',
  },
  { nodeArgs: [`--inspect=127.0.0.1:${inspectorPort}`], logFile: `${base}.api.log` },
);
const apiPid = api.child.pid!;

/** A minimal Chrome DevTools Protocol client over Node's built-in WebSocket. */
async function inspector() {
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  interface Reply {
    id?: number;
    result?: unknown;
    error?: { message: string };
  }
  let nextId = 0;
  const pending = new Map<number, (message: Reply) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as Reply;
    if (message.id !== undefined) pending.get(message.id)?.(message);
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, (message) =>
          message.error ? reject(new Error(message.error.message)) : resolve(message.result as T),
        );
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => socket.close(),
  };
}

try {
  const fixtures = single
    ? await loadFixtures(
        api.baseUrl,
        { scenario: 'endpoints', sessions: single.signedIn ? SIGNED_IN_USERS : 0 },
        { newestArticles: 500 },
      )
    : await loadFixtures(api.baseUrl, planScenario('browse'));
  const load = (duration: number) =>
    autocannon({
      url: api.baseUrl,
      connections,
      duration,
      requests: [
        {
          setupRequest: (defaults) => {
            // The browse mix's own request for this endpoint (same popularity skew).
            const request = makeRequest(fixtures, Math.random);
            return {
              ...defaults,
              method: request.method,
              path: request.path,
              headers: requestHeaders(request),
            };
          },
        },
      ],
    });
  await load(WARMUP_SECONDS);

  const devtools = await inspector();
  await devtools.send('Profiler.enable');
  await devtools.send('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  const before = cpuSnapshot({ extraApi: [apiPid] });
  const apiCpuBefore = processCpuSeconds(apiPid);
  await devtools.send('Profiler.start');
  const result = await load(seconds);
  const { profile } = await devtools.send<{ profile: unknown }>('Profiler.stop');
  const apiCores = (processCpuSeconds(apiPid) - apiCpuBefore) / seconds;
  const usage = cpuUsage(before, cpuSnapshot({ extraApi: [apiPid] }));
  devtools.close();

  const requests = result.requests.total;
  const perRequestMs = (coreSeconds: number) => Math.round((coreSeconds * 1e6) / requests) / 1000;
  const summary = {
    format: 'headroom-profile/1',
    endpoint: label,
    startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
    machine: describeMachine(),
    settings: {
      seconds,
      connections,
      warmupSeconds: WARMUP_SECONDS,
      samplingIntervalUs: SAMPLING_INTERVAL_US,
    },
    requestsPerSecond: result.requests.average,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    errors: result.errors + result.non2xx,
    apiCores: Math.round(apiCores * 100) / 100,
    cpu: usage,
    cpuMsPerRequest: {
      api: perRequestMs(apiCores * seconds),
      postgres: perRequestMs(usage.parts.postgres),
      pgbouncer: perRequestMs(usage.parts.pgbouncer),
    },
    profile: `${path.basename(base)}.cpuprofile`,
  };
  await writeFile(`${base}.cpuprofile`, JSON.stringify(profile));
  await writeFile(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  console.log(
    `\nprofile: ${base}.cpuprofile\nsummarise: npx tsx load-tests/capacity/cpuprofile-summary.ts ${path.relative(repoRoot, base)}.cpuprofile`,
  );
} finally {
  await api.stop('SIGTERM');
}
