// Prometheus, Alertmanager and the exporters as processes of a test's own, for the tests of
// the monitoring itself: alerts delivered end to end (infra/alertmanager/test) and the
// dashboard's queries run against live data (infra/grafana/test). Each runs on a free port
// with its files in the test's directory, never the native stack's.
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './processes.ts';

const READY_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 200;

export interface ServerProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output: () => string;
  /** SIGTERM, and resolves once it has exited. */
  stop: () => Promise<void>;
}

/** Starts an installed program (not a node entry: see processes.ts for those). */
export function startServerProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): ServerProcess {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Resolves with the first value `check` returns other than undefined, asking every
 * POLL_INTERVAL_MS; throws once `deadlineMs` has passed (a check that throws counts as not yet).
 */
export async function waitFor<Value>(
  what: string,
  check: () => Promise<Value | undefined>,
  deadlineMs = READY_DEADLINE_MS,
): Promise<Value> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

/** Resolves once `url` answers 2xx, or throws with the server's output. */
export async function waitUntilServing(url: string, server: ServerProcess): Promise<void> {
  await waitFor(`${url} serving`, async () => ((await fetch(url)).ok ? true : undefined)).catch(
    (error: Error) => {
      throw new Error(`${error.message}\n${server.output()}`);
    },
  );
}

export interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  series: { metric: Record<string, string>; value: number }[];
}

export interface PrometheusProcess extends ServerProcess {
  url: string;
  /** An instant query at the current time. */
  query: (promql: string) => Promise<QueryResult>;
}

/** Prometheus on a free port with `configFile` (rules and targets relative to it), data in `dataDir`. */
export async function startPrometheus(options: {
  configFile: string;
  dataDir: string;
}): Promise<PrometheusProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startServerProcess('prometheus', [
    `--config.file=${options.configFile}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${options.dataDir}`,
    // As the native stack and compose run it: exemplars (the API's trace and request ids) kept.
    '--enable-feature=exemplar-storage',
  ]);
  await waitUntilServing(`${url}/-/ready`, server);
  return {
    ...server,
    url,
    query: async (promql) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: 'success' | 'error';
        error?: string;
        data?: {
          resultType: string;
          result: { metric: Record<string, string>; value: [number, string] }[];
        };
      };
      const result = body.data?.resultType === 'vector' ? body.data.result : [];
      return {
        status: body.status,
        ...(body.error !== undefined && { error: body.error }),
        series: result.map(({ metric, value }) => ({ metric, value: Number(value[1]) })),
      };
    },
  };
}
