// Schema-driven fuzzing of every operation in the API's own OpenAPI document (GET
// /api/docs/json), against a real API process on real Postgres and Redis: anonymous and signed-in
// requests that fit the schemas and requests that break them (support/openapi-fuzz.ts). Every
// answer must be below 500 and one the document declares: its status listed for the operation,
// its body valid against that status's schema.
//
// FUZZ_REQUESTS sets the number of requests (1,000 in `npm test`; `npm run test:fuzz` sends
// 10,000), FUZZ_SEED replays a run: the seed is printed with the result (docs/testing.md).
import { randomBytes, randomInt } from 'node:crypto';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type ApiProcess, startApiProcess } from '@headroom/testing/processes';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiEnvSchema } from '../src/config.ts';
import {
  createResponseChecker,
  type Finding,
  type FuzzRequest,
  type KnownValues,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  requestsFor,
} from './support/openapi-fuzz.ts';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1_000);
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
/** Requests in flight at once: enough to overlap writes on one user, few enough not to overload. */
const CONCURRENCY = 8;
/** Signed-in users the requests are sent as, besides anonymous. */
const IDENTITIES = 3;
/** An answer slower than this is a finding: a client would have given up. */
const ANSWER_TIMEOUT_MS = 10_000;
/** The most a rate limit may be raised to: a fuzzer is one client sending thousands of writes. */
const UNLIMITED = 1_000_000;

/**
 * Every per-user and per-address rate limit the API declares, raised: a limit would answer
 * 429 to most of a fuzzer's writes, and the limits have tests of their own.
 */
function raisedRateLimits(): Record<string, string> {
  const properties = ApiEnvSchema.properties as Record<string, { maximum?: number }>;
  return Object.fromEntries(
    Object.keys(properties)
      .filter((name) => /RATE_LIMIT_(MAX|PER_)/.test(name))
      .map((name) => [name, String(Math.min(properties[name]?.maximum ?? UNLIMITED, UNLIMITED))]),
  );
}

let api: ApiProcess;
let operations: Operation[];
const tokens: string[] = [];
const known: Record<string, (string | number)[]> = {
  username: [],
  slug: [],
  id: [],
  author: [],
  favorited: [],
  tag: [],
};

async function send(
  method: string,
  path: string,
  { token, body }: { token?: string; body?: unknown } = {},
): Promise<any> {
  const response = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Token ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

beforeAll(async () => {
  api = await startApiProcess(apiTestEnv(raisedRateLimits()));
  operations = operationsOf((await send('GET', '/api/docs/json')) as OpenApiDocument);

  // Users who have written, commented, followed and favorited: valid requests then reach
  // rows that exist, not only 404s.
  for (let index = 0; index < IDENTITIES; index += 1) {
    const username = `fuzz${randomBytes(5).toString('hex')}`;
    const { user } = await send('POST', '/api/users', {
      body: { user: { username, email: `${username}@example.com`, password: 'password123' } },
    });
    tokens.push(user.token);
    const tag = `fuzz-${index}`;
    const { article } = await send('POST', '/api/articles', {
      token: user.token,
      body: {
        article: { title: `Fuzz ${username}`, description: 'seed', body: 'seed', tagList: [tag] },
      },
    });
    const { comment } = await send('POST', `/api/articles/${article.slug}/comments`, {
      token: user.token,
      body: { comment: { body: 'seed' } },
    });
    known.username?.push(username);
    known.author?.push(username);
    known.favorited?.push(username);
    known.slug?.push(article.slug);
    known.tag?.push(tag);
    known.id?.push(comment.id);
  }
  const [first, second] = tokens as [string, string];
  await send('POST', `/api/profiles/${known.username?.[1]}/follow`, { token: first });
  await send('POST', `/api/articles/${known.slug?.[0]}/favorite`, { token: second });
});

afterAll(async () => {
  await api?.stop();
});

/**
 * The requests of a run: an equal share for each operation, each share drawn with its own seed
 * derived from the run's, interleaved so that every operation is exercised throughout.
 */
function generateRequests(knownValues: KnownValues): FuzzRequest[] {
  const perOperation = Math.ceil(REQUESTS / operations.length);
  const shares = operations.map((operation, index) =>
    fc.sample(requestsFor(operation, IDENTITIES, knownValues), {
      numRuns: perOperation,
      seed: SEED + index,
    }),
  );
  return Array.from({ length: perOperation }, (_, round) => shares.map((share) => share[round]!))
    .flat()
    .slice(0, REQUESTS);
}

describe('the API under schema-driven fuzzing', () => {
  it(
    'when thousands of generated requests arrive, then none gets a 5xx and every answer is documented',
    async () => {
      const requests = generateRequests(known);
      const check = createResponseChecker();
      const findings = new Map<string, Finding & { count: number }>();
      const statuses = new Map<string, Map<number, number>>();

      async function run(request: FuzzRequest) {
        const { operation } = request;
        const token = request.identity >= 0 ? tokens[request.identity] : undefined;
        let status: number;
        let problem: string | undefined;
        let text = '';
        try {
          const response = await fetch(`${api.baseUrl}${request.url}`, {
            method: operation.method,
            headers: { ...(token ? { authorization: `Token ${token}` } : {}), ...request.headers },
            body: request.body,
            signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
          });
          status = response.status;
          text = await response.text();
          problem = check(operation, status, response.headers.get('content-type'), text);
          // A signed-in user who changed their password holds a new token from now on.
          if (operation.id === 'PUT /api/user' && status === 200 && request.identity >= 0) {
            tokens[request.identity] = (JSON.parse(text) as { user: { token: string } }).user.token;
          }
        } catch (error) {
          status = 0;
          problem = `no answer: ${(error as Error).message}`;
        }
        const byStatus = statuses.get(operation.id) ?? new Map<number, number>();
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        statuses.set(operation.id, byStatus);
        if (problem !== undefined) {
          const key = `${operation.id} ${status} ${problem.slice(0, 60)}`;
          const seen = findings.get(key);
          if (seen) seen.count += 1;
          else
            findings.set(key, {
              operation: operation.id,
              status,
              problem,
              request: {
                method: operation.method,
                url: request.url.slice(0, 300),
                identity: request.identity,
                body: request.body?.slice(0, 300),
              },
              response: text.slice(0, 300),
              count: 1,
            });
        }
      }

      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < requests.length) {
            const request = requests[next]!;
            next += 1;
            await run(request);
          }
        }),
      );

      const sent = [...statuses.values()].reduce(
        (total, byStatus) => total + [...byStatus.values()].reduce((sum, count) => sum + count, 0),
        0,
      );
      const summary = [...statuses.entries()]
        .map(
          ([id, byStatus]) =>
            `  ${id}: ${[...byStatus.entries()]
              .sort(([a], [b]) => a - b)
              .map(([status, count]) => `${status} x${count}`)
              .join(', ')}`,
        )
        .join('\n');
      const verdict = findings.size === 0 ? 'PASS' : 'FAIL';
      console.log(
        `schema fuzz: ${verdict}, ${sent} requests, ${statuses.size}/${operations.length} operations, ` +
          `${findings.size} distinct findings, seed ${SEED} (replay: FUZZ_SEED=${SEED} FUZZ_REQUESTS=${REQUESTS})\n${summary}`,
      );
      for (const finding of findings.values()) console.log(JSON.stringify(finding));

      expect(sent).toBe(requests.length);
      expect(statuses.size).toBe(operations.length);
      expect([...findings.values()]).toEqual([]);
    },
    // At a few milliseconds a request, with room for a slow shared machine.
    60_000 + REQUESTS * 20,
  );
});
