// The k6 side of every scenario: options built from the shared plan in ../scenarios.ts, set-up
// with k6/http (real slugs and tags, seeded users logged in), one request per iteration.
// Each k6/<scenario>.ts is k6Script(<scenario>) exported the way k6 reads a script. Environment (k6 run -e NAME=value, or env):
//   BASE_URL (default http://edge:8080, the compose edge), DURATION, RATE, SCALE, VUS, SMOKE=1
import { check } from 'k6';
import http from 'k6/http';
import type { Options, Scenario, Stage } from 'k6/options';
import {
  type ArticlesPage,
  checkFixtures,
  collectArticles,
  DISCOVERY,
  discoveryOffsets,
  type Fixtures,
  loginBody,
  type Phase,
  planScenario,
  requestHeaders,
  type ScenarioName,
  type ScenarioPlan,
  type Session,
} from '../scenarios.ts';

const BASE_URL = (__ENV.BASE_URL ?? 'http://edge:8080').replace(/\/+$/, '');

/** How long the spike takes to climb and to fall: "sudden", but k6 ramps linearly. */
const RAMP_SECONDS = 2;
/** Arrival-rate executors may start this many times the planned VUs when responses slow down. */
const VU_HEADROOM = 4;
/**
 * Outside smoke runs, k6 exits non-zero when more than this fraction of requests fail: a
 * loaded run may lose the odd request, a broken one loses far more (smoke runs allow none).
 */
const MAX_FAILED_RATE = 0.01;
/**
 * The share of responses whose status was the one the request expected (the `expected status`
 * check) a run must reach: all of them in a smoke run, as many as MAX_FAILED_RATE leaves
 * otherwise.
 */
const MIN_CHECKS_RATE = 1 - MAX_FAILED_RATE;

function numberFromEnv(name: string): number | undefined {
  const text = __ENV[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const smoke = __ENV.SMOKE === '1' || __ENV.SMOKE === 'true';

function k6Plan(scenario: ScenarioName): ScenarioPlan {
  return planScenario(scenario, {
    durationSeconds: numberFromEnv('DURATION'),
    rate: numberFromEnv('RATE'),
    scale: numberFromEnv('SCALE'),
    connections: numberFromEnv('VUS'),
    smoke,
  });
}

/**
 * What a k6/<scenario>.ts script exports, built from the shared plan: `options` (executor and
 * thresholds), `setup` and the iteration (the default export).
 */
export function k6Script(scenario: ScenarioName) {
  const plan = k6Plan(scenario);
  return {
    options: k6Options(plan),
    setup: (): Fixtures => k6Setup(plan),
    iteration: (fixtures: Fixtures): void => k6Iteration(plan, fixtures),
  };
}

/** One k6 scenario for the plan's phases, the same shape autocannon sends, and its thresholds. */
export function k6Options(plan: ScenarioPlan): Options {
  return {
    scenarios: { [plan.scenario]: executorFor(plan.phases) },
    thresholds: k6Thresholds(),
    summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
    setupTimeout: '120s',
  };
}

/**
 * The run's expected-output check: k6 exits non-zero (99) when one fails. Like autocannon's
 * smoke runs, they judge what answered, never how fast, since the compose machine is not the
 * reference machine: `http_req_failed` (connection errors and statuses the request did not
 * expect, through responseCallback), `checks` (the same judged per response by the `expected
 * status` check, so a wrong expect list in scenarios.ts shows too), and `iterations` (a run that
 * sent nothing, for instance with every VU stuck, fails instead of passing on no data).
 */
export function k6Thresholds(): NonNullable<Options['thresholds']> {
  return {
    http_req_failed: [smoke ? 'rate==0' : `rate<${MAX_FAILED_RATE}`],
    checks: [smoke ? 'rate==1' : `rate>=${MIN_CHECKS_RATE}`],
    iterations: ['count>0'],
  };
}

function executorFor(phases: readonly Phase[]): Scenario {
  const first = phases[0]!;
  const vus = Math.max(...phases.map((phase) => phase.connections));
  if (phases.length === 1 && first.rate === null) {
    // Closed loop, as autocannon without a rate: each VU sends its next request on an answer.
    return { executor: 'constant-vus', vus, duration: `${first.seconds}s` };
  }
  if (phases.length === 1) {
    return {
      executor: 'constant-arrival-rate',
      rate: first.rate!,
      timeUnit: '1s',
      duration: `${first.seconds}s`,
      preAllocatedVUs: vus,
      maxVUs: vus * VU_HEADROOM,
    };
  }
  return {
    executor: 'ramping-arrival-rate',
    startRate: first.rate ?? 0,
    timeUnit: '1s',
    stages: stagesFor(phases),
    preAllocatedVUs: vus,
    maxVUs: vus * VU_HEADROOM,
  };
}

/** Each phase holds its rate; a change of rate first ramps for RAMP_SECONDS (or the phase). */
function stagesFor(phases: readonly Phase[]): Stage[] {
  const stages: Stage[] = [];
  let previousRate = phases[0]!.rate ?? 0;
  for (const phase of phases) {
    const rate = phase.rate ?? 0;
    const ramp = rate === previousRate ? 0 : Math.min(RAMP_SECONDS, phase.seconds);
    if (ramp > 0) stages.push({ target: rate, duration: `${ramp}s` });
    if (phase.seconds > ramp) stages.push({ target: rate, duration: `${phase.seconds - ramp}s` });
    previousRate = rate;
  }
  return stages;
}

function k6Setup(plan: ScenarioPlan): Fixtures {
  const tags = getJson<{ tags: string[] }>('/api/tags').tags;
  const { articlesCount } = getJson<ArticlesPage>('/api/articles?limit=1');
  const pages = discoveryOffsets(articlesCount, Math.random).map((offset) =>
    getJson<ArticlesPage>(`/api/articles?limit=${DISCOVERY.pageSize}&offset=${offset}`),
  );
  const { slugs, usernames } = collectArticles(pages);
  const fixtures: Fixtures = {
    catalog: { slugs, tags, authors: usernames },
    sessions: plan.sessions > 0 ? logIn(usernames, plan.sessions) : [],
  };
  checkFixtures(plan, fixtures);
  return fixtures;
}

/** One login per user (the API allows 10 a minute per address and email); non-seeded authors fail and are skipped. */
function logIn(usernames: readonly string[], wanted: number): Session[] {
  const sessions: Session[] = [];
  for (const username of usernames) {
    if (sessions.length >= wanted) break;
    const response = http.post(`${BASE_URL}/api/users/login`, loginBody(username), {
      headers: { 'Content-Type': 'application/json' },
      tags: { name: 'setup: login' },
      responseCallback: http.expectedStatuses(200, 401, 403, 404, 422),
    });
    if (response.status === 429) throw new Error('login rate limit reached; wait a minute');
    if (response.status === 200) {
      sessions.push({ username, token: String(response.json('user.token')) });
    }
  }
  return sessions;
}

function getJson<T>(path: string): T {
  const response = http.get(`${BASE_URL}${path}`, { tags: { name: 'setup' } });
  if (response.status !== 200) {
    throw new Error(`GET ${BASE_URL}${path} answered ${response.status}: is the stack running?`);
  }
  return response.json() as unknown as T;
}

function k6Iteration(plan: ScenarioPlan, fixtures: Fixtures): void {
  const request = plan.request(fixtures, Math.random);
  const response = http.request(
    request.method,
    `${BASE_URL}${request.path}`,
    request.body ?? null,
    {
      headers: requestHeaders(request),
      // Per-endpoint metrics: http_req_duration{name:article} and so on.
      tags: { name: request.label },
      responseCallback: http.expectedStatuses(...request.expect),
    },
  );
  check(response, { 'expected status': (r) => request.expect.includes(r.status) });
}
