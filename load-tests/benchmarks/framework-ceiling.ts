// One API process against the bare Fastify ceiling: requests/s for a hello-world Fastify server
// (hello-fastify.ts, started here) and for the API's cheap and list endpoints, straight to one
// API process (not through nginx), with the same autocannon settings, interleaved round by
// round so both see the same machine. Also the CPU each server process and Postgres used, so
// the ratio can be read per CPU-second too. docs/capacity.md quotes the result.
// Needs the native stack (npm run stack:up); the API process is api-1 (:3001 by default).
//   npx tsx load-tests/benchmarks/framework-ceiling.ts [rounds=3] [seconds=10] [connections=32]
//   (HEADROOM_CEILING_API_URL and HEADROOM_CEILING_API_PID point it at another API process)
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeStackPort } from '@headroom/testing/native-services';
import { freePort } from '@headroom/testing/processes';
import autocannon from 'autocannon';
import { cpuSnapshot, cpuUsage, processCpuSeconds, waitForQuiet } from '../capacity/process-cpu.ts';
import { parsePositionalNumbers } from '../cli.ts';
import { describeMachine, fileStamp } from '../results.ts';

const DEFAULTS = { rounds: '3', seconds: '10', connections: '32' };
const USAGE = `usage: npx tsx load-tests/benchmarks/framework-ceiling.ts [rounds=${DEFAULTS.rounds}] [seconds=${DEFAULTS.seconds}] [connections=${DEFAULTS.connections}]

  rounds       interleaved rounds over every target
  seconds      measured seconds per target and round
  connections  autocannon connections
HEADROOM_CEILING_API_URL and HEADROOM_CEILING_API_PID point it at another API process than
the stack's api-1.`;

const [rounds, durationSeconds, connections] = parsePositionalNumbers(USAGE, [
  { name: 'rounds', fallback: DEFAULTS.rounds, integer: true },
  { name: 'seconds', fallback: DEFAULTS.seconds },
  { name: 'connections', fallback: DEFAULTS.connections, integer: true },
]);
const WARMUP_SECONDS = 2;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const apiUrl =
  process.env.HEADROOM_CEILING_API_URL ?? `http://127.0.0.1:${nativeStackPort('api-1')}`;
const apiPid = Number(
  process.env.HEADROOM_CEILING_API_PID ??
    readFileSync(path.join(repoRoot, '.local/stack/procs/api-1.pid'), 'utf8'),
);

function startHello(port: number, logger: boolean): ChildProcess {
  // Logged lines go to a file, as the stack's API processes' do (.local/stack/procs/api-N.log).
  const log = openSync(path.join(os.tmpdir(), `hello-fastify-${port}.log`), 'w');
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'load-tests/benchmarks/hello-fastify.ts', String(port)].concat(
      logger ? ['--logger'] : [],
    ),
    { cwd: repoRoot, stdio: ['ignore', log, 'inherit'] },
  );
}

async function waitUntilUp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer`);
}

const [helloPort, helloLoggedPort] = [await freePort(), await freePort()];
const helloUrl = `http://127.0.0.1:${helloPort}/hello`;
const helloLoggedUrl = `http://127.0.0.1:${helloLoggedPort}/hello`;
const hello = startHello(helloPort, false);
const helloLogged = startHello(helloLoggedPort, true);
try {
  await Promise.all([waitUntilUp(helloUrl), waitUntilUp(helloLoggedUrl)]);
  const targets = [
    { name: 'hello-fastify', url: helloUrl, pid: hello.pid! },
    { name: 'hello-fastify + logger', url: helloLoggedUrl, pid: helloLogged.pid! },
    { name: 'API GET /api/healthz', url: `${apiUrl}/api/healthz`, pid: apiPid },
    { name: 'API GET /api/tags', url: `${apiUrl}/api/tags`, pid: apiPid },
    {
      name: 'API GET /api/articles?limit=20',
      url: `${apiUrl}/api/articles?limit=20`,
      pid: apiPid,
    },
  ];
  const runs = [];
  console.log(
    `${rounds} rounds, ${connections} connections, ${durationSeconds} s per target after ${WARMUP_SECONDS} s of warm-up\n`,
  );
  console.log(
    '| round | target | requests/s | p50 ms | p99 ms | errors | server CPU cores | Postgres CPU cores | requests per server CPU-second |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      const conditions = await waitForQuiet({ log: (line) => console.error(line) });
      await autocannon({ url: target.url, connections, duration: WARMUP_SECONDS });
      const before = cpuSnapshot();
      const serverCpuBefore = processCpuSeconds(target.pid);
      const result = await autocannon({ url: target.url, connections, duration: durationSeconds });
      const serverCores = (processCpuSeconds(target.pid) - serverCpuBefore) / durationSeconds;
      const usage = cpuUsage(before, cpuSnapshot());
      const run = {
        round,
        target: target.name,
        url: target.url,
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.non2xx,
        serverCores: Math.round(serverCores * 100) / 100,
        postgresCores: Math.round((usage.parts.postgres / usage.seconds) * 100) / 100,
        otherCores: Math.round((usage.parts.other / usage.seconds) * 100) / 100,
        requestsPerServerCpuSecond: Math.round(result.requests.average / serverCores),
        conditions,
      };
      runs.push(run);
      console.log(
        `| ${round} | ${run.target} | ${Math.round(run.requestsPerSecond)} | ${run.p50} | ${run.p99} | ${run.errors} | ${run.serverCores} | ${run.postgresCores} | ${run.requestsPerServerCpuSecond} |`,
      );
    }
  }
  const outDir = path.join(repoRoot, 'load-tests/results');
  await mkdir(outDir, { recursive: true });
  const finishedAt = new Date().toISOString();
  const file = path.join(outDir, `framework-ceiling-${fileStamp(finishedAt)}.json`);
  await writeFile(
    file,
    `${JSON.stringify(
      {
        format: 'headroom-framework-ceiling/1',
        finishedAt,
        machine: describeMachine(),
        settings: { rounds, durationSeconds, connections, warmupSeconds: WARMUP_SECONDS },
        apiUrl,
        runs,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${file}`);
} finally {
  hello.kill('SIGTERM');
  helloLogged.kill('SIGTERM');
  await Promise.all(
    [hello, helloLogged].map((child) => (child.exitCode === null ? once(child, 'exit') : null)),
  );
}
