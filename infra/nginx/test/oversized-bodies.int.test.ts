// Oversized request bodies through the real front: the edge and the load balancer (their
// templates, started by the stack's nginx.sh) in front of two API processes. Every body over
// the API's BODY_LIMIT_BYTES is refused by nginx itself with a 413 in the RealWorld error shape,
// never reaches a replica, and so never marks one down: a 600 KB POST used to get a 502 and take
// its replica out of the load balancer for fail_timeout (docs/security.md, "Request bodies").
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type ApiProcess, freePort, repoRoot, startApiProcess } from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../../apps/api/src/config.ts';

/** Long enough that a replica marked down would still be out when the test looks. */
const FAIL_TIMEOUT_SECONDS = 30;
const OVERSIZED = 600 * 1024;

let work: string;
let replicas: ApiProcess[];
let lbUrl: string;
let edgeUrl: string;

function nginx(command: 'up' | 'down', role: 'edge' | 'lb', env: Record<string, string> = {}) {
  execFileSync('bash', ['infra/native/nginx.sh', command, role, join(work, role)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'headroom-bodies-'));
  await chmod(work, 0o755);
  // Two proxies in front: the edge and the load balancer.
  const env = apiTestEnv({ TRUSTED_PROXY_HOPS: '2', LOG_LEVEL: 'warn' });
  replicas = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  const [lbPort, edgePort] = [await freePort(), await freePort()];
  nginx('up', 'lb', {
    LB_LISTEN: `127.0.0.1:${lbPort}`,
    LB_API_SERVERS: replicas
      .map(
        (replica) =>
          `server ${new URL(replica.baseUrl).host} max_fails=1 fail_timeout=${FAIL_TIMEOUT_SECONDS}s;`,
      )
      .join('\n    '),
  });
  nginx('up', 'edge', {
    EDGE_LISTEN: `127.0.0.1:${edgePort}`,
    // The site is not part of this test; nothing needs to listen there.
    EDGE_ORIGIN_UPSTREAM: `127.0.0.1:${await freePort()}`,
    EDGE_API_UPSTREAM: `127.0.0.1:${lbPort}`,
    EDGE_CACHE_DIR: join(work, 'edge', 'cache'),
  });
  lbUrl = `http://127.0.0.1:${lbPort}`;
  edgeUrl = `http://127.0.0.1:${edgePort}`;
}, 60_000);

afterAll(async () => {
  if (work) {
    nginx('down', 'edge');
    nginx('down', 'lb');
  }
  await Promise.all((replicas ?? []).map((replica) => replica.stop()));
  if (work) await rm(work, { recursive: true, force: true });
});

async function send(
  baseUrl: string,
  method: string,
  path: string,
  body: string | undefined,
  token?: string,
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(token && { authorization: `Token ${token}` }),
    },
    ...(body !== undefined && { body }),
  });
  const text = await response.text();
  return { status: response.status, text, servedBy: response.headers.get('x-served-by') };
}

/** A JSON body of `bytes` bytes: one long string field, so only its size is wrong. */
const bodyOf = (bytes: number) => JSON.stringify({ user: { email: 'x'.repeat(bytes) } });

describe('oversized bodies through the edge and the load balancer', () => {
  it('when oversized POSTs and PUTs reach the edge or the load balancer, then each is a 413 in the error shape and both replicas stay in rotation', async () => {
    const registered = await send(
      edgeUrl,
      'POST',
      '/api/users',
      JSON.stringify({
        user: {
          username: `big${Date.now()}`,
          email: `big${Date.now()}@example.com`,
          password: 'long enough password',
        },
      }),
    );
    expect(registered.status).toBe(201);
    const token: string = JSON.parse(registered.text).user.token;

    const routes: [string, string][] = [
      ['POST', '/api/users'],
      ['POST', '/api/users/login'],
      ['PUT', '/api/user'],
      ['POST', '/api/articles'],
      ['POST', '/api/articles/some-slug/comments'],
      ['POST', '/api/articles/some-slug/favorite'],
      ['POST', '/api/profiles/someone/follow'],
      ['POST', '/api/nothing-here'],
    ];
    const answers = [];
    for (const baseUrl of [edgeUrl, lbUrl]) {
      for (const [method, path] of routes) {
        for (let repeat = 0; repeat < 3; repeat++) {
          const { status, text } = await send(baseUrl, method, path, bodyOf(OVERSIZED), token);
          answers.push({ at: baseUrl === edgeUrl ? 'edge' : 'lb', method, path, status, text });
        }
      }
    }
    const expected = answers.map((answer) => ({
      ...answer,
      status: 413,
      text: '{"errors":{"request":["Request body is too large"]}}',
    }));
    expect(answers).toEqual(expected);

    // Had any replica failed a request, the load balancer would skip it for 30 s: every
    // signed-in read (never cached by the edge) would come from the other one.
    const servedBy = new Set<string>();
    for (let index = 0; index < 20; index++) {
      const { status, servedBy: replica } = await send(
        edgeUrl,
        'GET',
        '/api/user',
        undefined,
        token,
      );
      expect(status).toBe(200);
      servedBy.add(replica ?? '');
    }
    expect([...servedBy].sort()).toEqual(
      replicas.map((replica) => new URL(replica.baseUrl).host).sort(),
    );
  });

  it('when a body is just under the limit, then it reaches the API, which judges its content', async () => {
    // The JSON around the field is small; this is under BODY_LIMIT_BYTES by a margin.
    const { status, text } = await send(edgeUrl, 'POST', '/api/users/login', bodyOf(200 * 1024));
    expect(status).toBe(422);
    expect(JSON.parse(text)).toHaveProperty('errors');
  });

  it('when the API default changes, then the nginx defaults change with it', async () => {
    const apiDefault = loadApiConfig({
      DATABASE_URL: 'postgresql://unused',
      REDIS_URL: 'redis://unused',
      JWT_SECRET: 'unused'.repeat(8),
      NODE_ENV: 'test',
    }).BODY_LIMIT_BYTES;
    const nginxScript = await readFile(join(repoRoot, 'infra/native/nginx.sh'), 'utf8');
    const dockerfile = await readFile(join(repoRoot, 'Dockerfile'), 'utf8');
    const compose = await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(nginxScript).toContain(`API_DEFAULT_BODY_LIMIT_BYTES=${apiDefault}`);
    expect(dockerfile).toContain(`EDGE_BODY_LIMIT_BYTES=${apiDefault}`);
    expect(dockerfile).toContain(`LB_BODY_LIMIT_BYTES=${apiDefault}`);
    expect(compose.match(/BODY_LIMIT_BYTES: \$\{BODY_LIMIT_BYTES:-(\d+)\}/g)).toEqual(
      Array(3).fill(`BODY_LIMIT_BYTES: \${BODY_LIMIT_BYTES:-${apiDefault}}`),
    );
  });
});
