// `npx tsx load-tests/capacity/profile-endpoint.ts "<endpoint>" [seconds=20] [connections=16]`:
// a V8 CPU profile of one API process while it serves one endpoint of the browse mix
// ("tag page", "home", "article", "comments", "tags"), plus the CPU the API process and
// Postgres used per request, to say where the time goes (docs/capacity.md).
// It starts its own API process (as stack.sh starts one, with the stack's database through
// PgBouncer, Redis and JWT secret; `npm run stack:up` first) with the inspector on, records
// the profile over the inspector's Profiler domain for exactly the loaded window (start-up
// and warm-up excluded), then stops the process with SIGTERM. Writes the .cpuprofile and a
// JSON summary to load-tests/results/; summarise the profile with cpuprofile-summary.ts.
// Entry file: arguments are read here and nowhere else.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeServiceUrls } from '@headroom/testing/native-services';
import autocannon from 'autocannon';
import { loadFixtures } from '../autocannon/fixtures.ts';
import { describeMachine } from '../results.ts';
import { type ApiRequest, browseRequest, planScenario, requestHeaders } from '../scenarios.ts';
import { cpuSnapshot, cpuUsage } from './process-cpu.ts';

const label = process.argv[2];
const seconds = Number(process.argv[3] ?? 20);
const connections = Number(process.argv[4] ?? 16);
const LABELS = ['home', 'tags', 'tag page', 'article', 'comments'];
if (label === undefined || !LABELS.includes(label) || !(seconds > 0) || !(connections > 0)) {
  console.error(
    `usage: npx tsx load-tests/capacity/profile-endpoint.ts <${LABELS.join('|')}> [seconds=20] [connections=16]`,
  );
  process.exit(2);
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const outDir = path.join(repoRoot, 'load-tests/results');
const PORT = 3091;
const INSPECTOR_PORT = 9329;
const WARMUP_SECONDS = 5;
const baseUrl = `http://127.0.0.1:${PORT}`;

// The stack's services, as stack.sh gives them to its API processes.
const services = nativeServiceUrls('stack');
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  PORT: String(PORT),
  METRICS_PORT: String(PORT + 1),
  DATABASE_URL: 'postgresql://headroom:headroom@127.0.0.1:16432/headroom',
  REDIS_URL: services.REDIS_URL,
  JWT_SECRET: readFileSync(path.join(repoRoot, '.local/stack/jwt-secret'), 'utf8').trim(),
  OTEL_SERVICE_NAME: 'headroom-api',
};

await mkdir(outDir, { recursive: true });
const stamp = new Date()
  .toISOString()
  .replace(/\.\d+Z$/, 'Z')
  .replaceAll(':', '');
const base = path.join(outDir, `profile-${label.replaceAll(' ', '-')}-${stamp}`);
// Its log lines go to a file, as the stack's API processes' do.
const apiLog = openSync(`${base}.api.log`, 'w');
const api = spawn(
  process.execPath,
  [
    `--inspect=127.0.0.1:${INSPECTOR_PORT}`,
    '--import',
    'tsx',
    '--import',
    '@headroom/telemetry/register',
    'apps/api/src/main.ts',
  ],
  { cwd: repoRoot, env, stdio: ['ignore', apiLog, apiLog] },
);

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntilReady(): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (api.exitCode !== null) throw new Error(`the API exited (see ${base}.api.log)`);
    try {
      if ((await fetch(`${baseUrl}/api/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('the API was not ready after 30 s');
}

/** A minimal Chrome DevTools Protocol client over Node's built-in WebSocket. */
async function inspector() {
  const [target] = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json()) as {
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

function processTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

try {
  await waitUntilReady();
  const fixtures = await loadFixtures(baseUrl, planScenario('browse'));
  // The browse mix's own request for this endpoint (same popularity skew), by drawing from the
  // mix until one has the label.
  const nextRequest = (): ApiRequest => {
    for (;;) {
      const request = browseRequest(fixtures, Math.random);
      if (request.label === label) return request;
    }
  };
  const load = (duration: number) =>
    autocannon({
      url: baseUrl,
      connections,
      duration,
      requests: [
        {
          setupRequest: (defaults) => {
            const request = nextRequest();
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
  // 1 ms between samples, --cpu-prof's default.
  await devtools.send('Profiler.setSamplingInterval', { interval: 1000 });
  const before = cpuSnapshot({ extraApi: [api.pid!] });
  const ticksBefore = processTicks(api.pid!);
  await devtools.send('Profiler.start');
  const result = await load(seconds);
  const { profile } = await devtools.send<{ profile: unknown }>('Profiler.stop');
  const apiCores = (processTicks(api.pid!) - ticksBefore) / 100 / seconds;
  const usage = cpuUsage(before, cpuSnapshot({ extraApi: [api.pid!] }));
  devtools.close();

  const requests = result.requests.total;
  const perRequestMs = (coreSeconds: number) => Math.round((coreSeconds * 1e6) / requests) / 1000;
  const summary = {
    format: 'headroom-profile/1',
    endpoint: label,
    startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
    machine: describeMachine(),
    settings: { seconds, connections, warmupSeconds: WARMUP_SECONDS, samplingIntervalUs: 1000 },
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
  if (api.exitCode === null) {
    api.kill('SIGTERM');
    await once(api, 'exit');
  }
}
