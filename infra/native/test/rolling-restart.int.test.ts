// The load balancer (infra/nginx/lb.conf.template, started by the same nginx.sh the stack
// uses) in front of two real API processes: requests are spread over both, every reply names
// its replica, and a rolling restart of the replicas during a 20-second load run costs the
// clients nothing: zero connection errors, zero non-2xx.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiTestEnv } from '@headroom/testing/api-env';
import { RECONNECT_EVERY_REQUESTS } from '@headroom/testing/load-client';
import { type ApiProcess, freePort, startApiProcess } from '@headroom/testing/processes';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LOAD_SECONDS = 20;
/** Enough concurrency to keep both replicas busy on 2 cores, not so much that it starves them. */
const LOAD_CONNECTIONS = 8;
/**
 * How long the load balancer skips a replica after a failed request (`fail_timeout` in
 * LB_API_SERVERS). A rolling restart waits this long after a replica is back before stopping
 * the next, or the load balancer could find both marked down at once.
 */
const LB_FAIL_TIMEOUT_SECONDS = 2;

let work: string;
let lbPort: number;
let apiPorts: number[];
let replicas: ApiProcess[];
let env: Record<string, string>;

function nginx(command: 'up' | 'down') {
  execFileSync('bash', ['infra/native/nginx.sh', command, 'lb', work], {
    cwd: repoRoot,
    env: {
      ...process.env,
      LB_LISTEN: `127.0.0.1:${lbPort}`,
      LB_API_SERVERS: apiPorts
        .map(
          (port) =>
            `server 127.0.0.1:${port} max_fails=1 fail_timeout=${LB_FAIL_TIMEOUT_SECONDS}s;`,
        )
        .join('\n    '),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function startReplica(port: number) {
  return startApiProcess({ ...env, PORT: String(port), LOG_LEVEL: 'warn' });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'headroom-lb-'));
  env = apiTestEnv();
  [lbPort, ...apiPorts] = [await freePort(), await freePort(), await freePort()];
  replicas = await Promise.all(apiPorts.map(startReplica));
  nginx('up');
}, 60_000);

afterAll(async () => {
  nginx('down');
  await Promise.all(replicas.map((replica) => replica.stop()));
  await rm(work, { recursive: true, force: true });
});

describe('the load balancer in front of two API replicas', () => {
  it('spreads requests over both replicas and says which one answered', async () => {
    const servedBy = new Set<string>();
    for (let index = 0; index < 10; index++) {
      const response = await fetch(`http://127.0.0.1:${lbPort}/api/tags`);
      expect(response.status).toBe(200);
      servedBy.add(response.headers.get('x-served-by') ?? '');
    }
    expect([...servedBy].sort()).toEqual(apiPorts.map((port) => `127.0.0.1:${port}`).sort());
  });

  it('passes a request id through, or makes one that the API logs and returns', async () => {
    const given = await fetch(`http://127.0.0.1:${lbPort}/api/healthz`, {
      headers: { 'x-request-id': 'demo-123' },
    });
    expect(given.headers.get('x-request-id')).toBe('demo-123');
    expect(given.headers.get('x-served-by')).toMatch(/^127\.0\.0\.1:\d+$/);
    const made = await fetch(`http://127.0.0.1:${lbPort}/api/healthz`);
    // nginx's $request_id: 32 hex digits, made at the load balancer and kept by the API.
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when every replica is restarted in turn during a 20 s load run, then no client sees an error', async () => {
    // What went wrong on the client side, by message: an assertion on this list names it.
    const clientErrors: string[] = [];
    const load = new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `http://127.0.0.1:${lbPort}`,
          connections: LOAD_CONNECTIONS,
          duration: LOAD_SECONDS,
          reconnectRate: RECONNECT_EVERY_REQUESTS,
          requests: [
            { method: 'GET', path: '/api/articles?limit=5' },
            { method: 'GET', path: '/api/tags' },
          ],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      instance.on('reqError', (error: Error) => clientErrors.push(error.message));
    });
    const restarts: string[] = [];
    const rollingRestart = (async () => {
      // Let the load settle, then replace each replica: SIGTERM (it drains and exits), start a
      // new process on the same port, wait until it is ready and back in rotation, then the next.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      for (let index = 0; index < replicas.length; index++) {
        const old = replicas[index]!;
        expect(await old.stop('SIGTERM')).toBe(0);
        replicas[index] = await startReplica(apiPorts[index]!);
        restarts.push(`127.0.0.1:${apiPorts[index]}`);
        await new Promise((resolve) => setTimeout(resolve, LB_FAIL_TIMEOUT_SECONDS * 1000 + 500));
      }
    })();
    const [result] = await Promise.all([load, rollingRestart]);

    expect(restarts).toHaveLength(2);
    expect(result.requests.total).toBeGreaterThan(100);
    expect(clientErrors).toEqual([]);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
  }, 60_000);
});
