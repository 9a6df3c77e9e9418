// Real processes for tests whose point is a process: two API replicas sharing state only
// through Postgres and Redis, SIGTERM with requests in flight, telemetry at start-up, and
// workers that are killed mid-job, drained, or run side by side.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository's root: child processes run from here, as `npm run` would run them. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A child's whole environment: `env` and just enough of ours to find node and npm. */
export function childEnvironment(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
}

/**
 * Test servers take their ports from this band, below the range Linux draws the local port of
 * every outgoing connection from (32768-60999). A port from that range, the kernel's own
 * choice for `listen(0)`, can be taken by a client socket, even one in TIME_WAIT, between the
 * moment it is found free and the moment the server binds it, or before a restarted replica
 * binds it again: the failure CI once met on a fixed port (infra/native/README.md). The band
 * stays clear of the native profiles' default ports (infra/native/test/ports.test.ts).
 */
export const TEST_PORT_BAND = { low: 20_000, high: 32_000 } as const;
const FREE_PORT_ATTEMPTS = 50;
/**
 * Ports freePort has returned in this process. A port is free until someone binds it, so two
 * picks made before either is bound (startApiProcess's PORT and METRICS_PORT) could otherwise
 * get the same one.
 */
const portsHandedOut = new Set<number>();

/** A port in TEST_PORT_BAND that was free a moment ago, picked at random so that test files running in parallel rarely try the same one. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
    const port =
      TEST_PORT_BAND.low + Math.floor(Math.random() * (TEST_PORT_BAND.high - TEST_PORT_BAND.low));
    if (portsHandedOut.has(port)) continue;
    // Taken before the check, so a concurrent pick cannot choose it meanwhile.
    portsHandedOut.add(port);
    if (await canListen(port)) return port;
    portsHandedOut.delete(port);
  }
  throw new Error(`no free port found in ${TEST_PORT_BAND.low}-${TEST_PORT_BAND.high}`);
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (listening) await new Promise((resolve) => server.close(resolve));
  return listening;
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process printed so far (JSON log lines). */
  output: () => string;
  /** Sends `signal` and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  exited: Promise<number | null>;
}

export interface ProcessOptions {
  /** Node options before the entry file, e.g. `--inspect=127.0.0.1:PORT` for a profiled API. */
  nodeArgs?: readonly string[];
  /**
   * stdout and stderr go to this file instead of a pipe read into memory. pino writes to a file
   * with one synchronous write per line, as the stack's processes do (.local/stack/procs/), and
   * a measurement of the API's CPU must include that cost.
   */
  logFile?: string;
  /**
   * The network namespace to run it in (`ip netns exec`, which execs node itself, so the
   * child's pid is node's): a fault suite's API behind a hop it degrades (network-hop.ts).
   */
  netns?: string;
}

export function startProcess(
  entry: string,
  env: Record<string, string>,
  { nodeArgs = [], logFile, netns }: ProcessOptions = {},
): RunningProcess {
  const log = logFile === undefined ? undefined : openSync(logFile, 'w');
  const node = [
    process.execPath,
    ...nodeArgs,
    '--import',
    'tsx',
    '--import',
    '@headroom/telemetry/register',
    entry,
  ];
  const [file = process.execPath, ...args] =
    netns === undefined ? node : ['ip', 'netns', 'exec', netns, ...node];
  const child = spawn(file, args, {
    cwd: repoRoot,
    env: childEnvironment(env),
    stdio: ['ignore', log ?? 'pipe', log ?? 'pipe'],
  });
  // The child has its own copy of the descriptor from the moment spawn returns.
  if (log !== undefined) closeSync(log);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    output: () => (logFile === undefined ? output : readFileSync(logFile, 'utf8')),
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface ApiProcess extends RunningProcess {
  baseUrl: string;
  metricsUrl: string;
}

/**
 * Starts apps/api as its own process and resolves once /api/readyz answers 200. PORT and
 * METRICS_PORT may be given (a restarted replica keeps its port); otherwise free ones are used.
 * It listens on HOST (127.0.0.1 unless given: a namespace's address for one in a namespace).
 */
export async function startApiProcess(
  env: Record<string, string>,
  options: ProcessOptions = {},
): Promise<ApiProcess> {
  const port = env.PORT ?? String(await freePort());
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const host = env.HOST ?? '127.0.0.1';
  const running = startProcess(
    'apps/api/src/main.ts',
    { ...env, HOST: host, PORT: port, METRICS_PORT: metricsPort },
    options,
  );
  const baseUrl = `http://${host}:${port}`;
  await waitUntilReady(`${baseUrl}/api/readyz`, running);
  return { ...running, baseUrl, metricsUrl: `http://${host}:${metricsPort}/metrics` };
}

export interface WorkerProcess extends RunningProcess {
  metricsUrl: string;
}

/**
 * Starts apps/worker as its own process and resolves once its /metrics answers 200, which it
 * does only after the schedules are registered and the outbox relay has started: LISTENing,
 * or, if LISTEN failed, polling while it retries. METRICS_PORT may be given.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const running = startProcess('apps/worker/src/main.ts', {
    HOST: '127.0.0.1',
    ...env,
    METRICS_PORT: metricsPort,
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await waitUntilReady(metricsUrl, running);
  return { ...running, metricsUrl };
}

const STARTUP_DEADLINE_MS = 30_000;

async function waitUntilReady(url: string, running: RunningProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let exited = false;
  void running.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await running.stop('SIGKILL');
  throw new Error(`process never became ready at ${url}:\n${running.output()}`);
}

/** A command a person types that has not answered by then is stuck (waiting on a server, say). */
const COMMAND_TIMEOUT_MS = 30_000;

/**
 * Runs a root package.json script as a person would (`npm run <script> -- <args>`), from the
 * repository's root, with `env` and nothing else of ours but PATH and HOME.
 */
export function runNpmScript(
  script: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', script, '--', ...args],
      { cwd: repoRoot, env: childEnvironment(env), timeout: COMMAND_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
