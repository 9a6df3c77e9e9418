// The load scenarios as data: which requests each sends, in what proportions, at what rates.
// The autocannon runner (run.ts) and the k6 scripts (k6/*.ts) both read this file, so the two
// stay in step; it imports nothing, because k6 runs it in its own JavaScript runtime, not Node.

export const SCENARIO_NAMES = ['browse', 'spike', 'write-mix', 'soak'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

/** What set-up discovers from the running API, so requests hit real rows. */
export interface Catalog {
  slugs: string[];
  /** In the API's order: trending first, so a skewed pick favours popular tags. */
  tags: string[];
  /** Usernames of the articles' authors (profile pages; login candidates). */
  authors: string[];
}

/** A seeded user logged in at set-up. */
export interface Session {
  username: string;
  token: string;
}

export interface Fixtures {
  catalog: Catalog;
  sessions: Session[];
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  /** Per-endpoint results are grouped by this, e.g. `article`. */
  label: string;
  method: HttpMethod;
  /** Path and query, e.g. `/api/articles?limit=10&offset=0`. */
  path: string;
  /** A JSON document, already serialised. */
  body?: string;
  token?: string;
  /** Statuses that count as success; anything else is an error (a 5xx, an unexpected 4xx). */
  expect: readonly number[];
}

/** A number in [0, 1), like Math.random; tests pass a seeded one. */
export type Random = () => number;

// ---------------------------------------------------------------------------------------------
// Seeded data the scenarios rely on (packages/db/src/seed.ts; a unit test keeps these in step).

/** Every seeded user's password; the email is `<username>@example.com`. */
export const SEEDED_PASSWORD = 'password123';

function seededEmail(username: string): string {
  return `${username}@example.com`;
}

// ---------------------------------------------------------------------------------------------
// Set-up: what to read from the API before the load starts.

export const DISCOVERY = {
  /** Pages of articles read to collect slugs and author usernames. */
  pages: 4,
  pageSize: 100,
} as const;

/**
 * The deepest offset the API answers (its MAX_OFFSET; deeper pages take a cursor, and an offset
 * past it is a 422). A unit test keeps the two equal.
 */
export const MAX_LIST_OFFSET = 1_000;

/**
 * Offsets of the article pages to read: the newest page, then pages spread over the rest, as
 * deep as the API pages by offset (the newest 1,100 articles when there are more).
 */
export function discoveryOffsets(articlesCount: number, random: Random): number[] {
  const lastOffset = Math.min(articlesCount - DISCOVERY.pageSize, MAX_LIST_OFFSET);
  if (lastOffset <= 0) return [0];
  const offsets = [0];
  for (let page = 1; page < DISCOVERY.pages; page++) {
    offsets.push(1 + Math.floor(random() * lastOffset));
  }
  return offsets;
}

export interface ArticlesPage {
  articles: { slug: string; author: { username: string } }[];
  articlesCount: number;
}

/** Distinct slugs and author usernames (login candidates) from the pages read at set-up. */
export function collectArticles(pages: readonly ArticlesPage[]): {
  slugs: string[];
  usernames: string[];
} {
  const articles = pages.flatMap((page) => page.articles);
  return {
    slugs: [...new Set(articles.map((article) => article.slug))],
    usernames: [...new Set(articles.map((article) => article.author.username))],
  };
}

/** Stops a run before it starts when the API lacks what the plan's requests need. */
export function checkFixtures(
  plan: Pick<ScenarioPlan, 'scenario' | 'sessions'>,
  fixtures: Fixtures,
): void {
  const problems: string[] = [];
  if (fixtures.catalog.slugs.length === 0) problems.push('no articles (is the database seeded?)');
  if (fixtures.catalog.tags.length === 0) problems.push('no tags (is the database seeded?)');
  // Following needs someone other than oneself.
  if (plan.sessions > 0 && fixtures.sessions.length < 2) {
    problems.push(
      `${fixtures.sessions.length} seeded users could log in, at least 2 are needed (password ${SEEDED_PASSWORD}; login is rate-limited per address and email)`,
    );
  }
  if (problems.length > 0) throw new Error(`cannot run ${plan.scenario}: ${problems.join('; ')}`);
}

export function loginBody(username: string): string {
  return JSON.stringify({ user: { email: seededEmail(username), password: SEEDED_PASSWORD } });
}

export function requestHeaders(request: ApiRequest): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';
  if (request.token !== undefined) headers.Authorization = `Token ${request.token}`;
  return headers;
}

// ---------------------------------------------------------------------------------------------
// Picking: weighted choices and popularity skew.

export function pick<T>(items: readonly T[], random: Random): T {
  if (items.length === 0) throw new Error('nothing to pick from');
  return items[Math.floor(random() * items.length)]!;
}

/**
 * Popularity skew: a few items take most picks, as a few articles take most reads after a
 * link goes round. With the exponent 3, the first 10% of the items get 46% of the picks.
 */
const POPULARITY_EXPONENT = 3;

export function pickPopular<T>(items: readonly T[], random: Random): T {
  if (items.length === 0) throw new Error('nothing to pick from');
  return items[Math.floor(random() ** POPULARITY_EXPONENT * items.length)]!;
}

export type RequestMaker = (fixtures: Fixtures, random: Random) => ApiRequest;

interface WeightedRequest {
  weight: number;
  make: RequestMaker;
}

function weightedMix(entries: readonly WeightedRequest[]): RequestMaker {
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  return (fixtures, random) => {
    let point = random() * total;
    for (const entry of entries) {
      point -= entry.weight;
      if (point < 0) return entry.make(fixtures, random);
    }
    return entries[entries.length - 1]!.make(fixtures, random);
  };
}

// ---------------------------------------------------------------------------------------------
// Requests.

const OK = [200] as const;
const CREATED = [201] as const;

/**
 * The home page shows 10 articles; most visitors stay on page one, a few page on. Also what
 * capacity/explain-endpoint.ts replays against the database.
 */
export const HOME_OFFSETS = [0, 0, 0, 0, 0, 0, 10, 10, 20, 30] as const;

const home: RequestMaker = (_fixtures, random) => ({
  label: 'home',
  method: 'GET',
  path: `/api/articles?limit=10&offset=${pick(HOME_OFFSETS, random)}`,
  expect: OK,
});

const tags: RequestMaker = () => ({ label: 'tags', method: 'GET', path: '/api/tags', expect: OK });

const tagPage: RequestMaker = ({ catalog }, random) => ({
  label: 'tag page',
  method: 'GET',
  path: `/api/articles?tag=${encodeURIComponent(pickPopular(catalog.tags, random))}&limit=10&offset=0`,
  expect: OK,
});

const article: RequestMaker = ({ catalog }, random) => ({
  label: 'article',
  method: 'GET',
  path: `/api/articles/${encodeURIComponent(pickPopular(catalog.slugs, random))}`,
  expect: OK,
});

const comments: RequestMaker = ({ catalog }, random) => ({
  label: 'comments',
  method: 'GET',
  path: `/api/articles/${encodeURIComponent(pickPopular(catalog.slugs, random))}/comments`,
  expect: OK,
});

/** Reads signed in: the same pages, with `favorited` and `following` worked out per viewer. */
function signedIn(make: RequestMaker): RequestMaker {
  return (fixtures, random) => ({
    ...make(fixtures, random),
    token: pick(fixtures.sessions, random).token,
  });
}

const feed: RequestMaker = ({ sessions }, random) => ({
  label: 'feed',
  method: 'GET',
  path: '/api/articles/feed?limit=10&offset=0',
  token: pick(sessions, random).token,
  expect: OK,
});

const notifications: RequestMaker = ({ sessions }, random) => ({
  label: 'notifications',
  method: 'GET',
  path: '/api/notifications?limit=20',
  token: pick(sessions, random).token,
  expect: OK,
});

const WORDS =
  'load spike cache queue replica latency index pool shard edge worker retry backoff trace metric budget capacity throughput postgres redis nginx node fastify'.split(
    ' ',
  );

function words(count: number, random: Random): string {
  return Array.from({ length: count }, () => pick(WORDS, random)).join(' ');
}

/** About 2 KB of Markdown: a typical short article. */
function articleBody(random: Random): string {
  return Array.from({ length: 6 }, () => `${words(50, random)}.`).join('\n\n');
}

const createArticle: RequestMaker = ({ catalog, sessions }, random) => ({
  label: 'create article',
  method: 'POST',
  path: '/api/articles',
  token: pick(sessions, random).token,
  body: JSON.stringify({
    article: {
      // Distinct titles, so slugs rarely collide (the API suffixes a taken slug).
      title: `Notes on ${words(4, random)} ${Math.floor(random() * 10_000)}`,
      description: words(12, random),
      body: articleBody(random),
      tagList: [...new Set([pickPopular(catalog.tags, random), pick(catalog.tags, random)])],
    },
  }),
  expect: CREATED,
});

const comment: RequestMaker = ({ catalog, sessions }, random) => ({
  label: 'comment',
  method: 'POST',
  path: `/api/articles/${encodeURIComponent(pickPopular(catalog.slugs, random))}/comments`,
  token: pick(sessions, random).token,
  body: JSON.stringify({ comment: { body: `${words(20, random)}.` } }),
  // The RealWorld spec says 200; this API answers 201 Created, as for articles.
  expect: [200, 201],
});

function favoriteRequest(method: 'POST' | 'DELETE', label: string): RequestMaker {
  return ({ catalog, sessions }, random) => ({
    label,
    method,
    path: `/api/articles/${encodeURIComponent(pickPopular(catalog.slugs, random))}/favorite`,
    token: pick(sessions, random).token,
    expect: OK,
  });
}

/** Follows another logged-in user (never oneself: the API answers 422 to that). */
function followRequest(method: 'POST' | 'DELETE', label: string): RequestMaker {
  return ({ sessions }, random) => {
    const follower = pick(sessions, random);
    const others = sessions.filter((session) => session.username !== follower.username);
    const followee = others.length > 0 ? pick(others, random) : follower;
    return {
      label,
      method,
      path: `/api/profiles/${encodeURIComponent(followee.username)}/follow`,
      token: follower.token,
      expect: OK,
    };
  };
}

// ---------------------------------------------------------------------------------------------
// The mixes.

/**
 * The browse mix's requests by their label, for a script that sends one of them alone
 * (capacity/profile-endpoint.ts); a unit test checks each key is its request's label.
 */
export const BROWSE_ENDPOINTS = {
  home,
  tags,
  'tag page': tagPage,
  article,
  comments,
} as const satisfies Record<string, RequestMaker>;

/**
 * An anonymous visitor: the home page, the tag cloud beside it, a tag's page, an article and
 * its comments (the article page loads both).
 */
export const browseRequest = weightedMix([
  { weight: 30, make: BROWSE_ENDPOINTS.home },
  { weight: 10, make: BROWSE_ENDPOINTS.tags },
  { weight: 15, make: BROWSE_ENDPOINTS['tag page'] },
  { weight: 25, make: BROWSE_ENDPOINTS.article },
  { weight: 20, make: BROWSE_ENDPOINTS.comments },
]);

/**
 * Signed-in members, half reading and half writing: far more writes than a real site sees
 * (typically a few percent), on purpose, to load the write path, the outbox and the worker.
 * Un-favorites and un-follows keep those tables from only growing during long runs.
 */
export const writeMixRequest = weightedMix([
  { weight: 12, make: feed },
  { weight: 8, make: signedIn(home) },
  { weight: 15, make: signedIn(article) },
  { weight: 10, make: signedIn(comments) },
  { weight: 5, make: notifications },
  { weight: 8, make: createArticle },
  { weight: 14, make: comment },
  { weight: 12, make: favoriteRequest('POST', 'favorite') },
  { weight: 4, make: favoriteRequest('DELETE', 'unfavorite') },
  { weight: 8, make: followRequest('POST', 'follow') },
  { weight: 4, make: followRequest('DELETE', 'unfollow') },
]);

/** Mostly anonymous reading with a steady trickle of members' writes, for hours if need be. */
export const soakRequest = weightedMix([
  { weight: 85, make: browseRequest },
  { weight: 15, make: writeMixRequest },
]);

// ---------------------------------------------------------------------------------------------
// Single endpoints, loaded one at a time: the targets table of issue 8 (capacity/endpoints.ts)
// and the p99 growth with the data set (capacity/data-growth.ts).

/** One page of the spec's default size (20), as the targets table asks for. */
const TARGET_PAGE = 20;

export interface SingleEndpoint {
  /** The request in words, for tables. */
  description: string;
  /** Whether it needs seeded users logged in at set-up. */
  signedIn: boolean;
  request: RequestMaker;
}

function singleEndpoint(
  label: string,
  description: string,
  signedIn: boolean,
  make: (fixtures: Fixtures, random: Random) => Omit<ApiRequest, 'label' | 'token'>,
): SingleEndpoint {
  return {
    description,
    signedIn,
    request: (fixtures, random) => ({
      ...make(fixtures, random),
      label,
      ...(signedIn ? { token: pick(fixtures.sessions, random).token } : {}),
    }),
  };
}

const listPath = `/api/articles?limit=${TARGET_PAGE}`;

/** By name: the name is the `--endpoints` value and each response's label. */
export const SINGLE_ENDPOINTS = {
  list: singleEndpoint('list', `GET ${listPath} (anonymous)`, false, () => ({
    method: 'GET',
    path: listPath,
    expect: OK,
  })),
  'tag-list': singleEndpoint(
    'tag-list',
    `GET /api/articles?tag=X&limit=${TARGET_PAGE} (popular tags, as the browse mix picks them)`,
    false,
    ({ catalog }, random) => ({
      method: 'GET',
      path: `/api/articles?tag=${encodeURIComponent(pickPopular(catalog.tags, random))}&limit=${TARGET_PAGE}`,
      expect: OK,
    }),
  ),
  article: singleEndpoint(
    'article',
    'GET /api/articles/:slug (each slug set-up read, 500 by default, equally often)',
    false,
    ({ catalog }, random) => ({
      method: 'GET',
      path: `/api/articles/${encodeURIComponent(pick(catalog.slugs, random))}`,
      expect: OK,
    }),
  ),
  tags: singleEndpoint('tags', 'GET /api/tags', false, () => ({
    method: 'GET',
    path: '/api/tags',
    expect: OK,
  })),
  feed: singleEndpoint(
    'feed',
    `GET /api/articles/feed?limit=${TARGET_PAGE} (signed in)`,
    true,
    () => ({ method: 'GET', path: `/api/articles/feed?limit=${TARGET_PAGE}`, expect: OK }),
  ),
  'list-signed-in': singleEndpoint('list-signed-in', `GET ${listPath} (signed in)`, true, () => ({
    method: 'GET',
    path: listPath,
    expect: OK,
  })),
  comment: singleEndpoint(
    'comment',
    'POST /api/articles/:slug/comments (signed in)',
    true,
    ({ catalog }, random) => ({
      method: 'POST',
      path: `/api/articles/${encodeURIComponent(pick(catalog.slugs, random))}/comments`,
      body: JSON.stringify({ comment: { body: `${words(20, random)}.` } }),
      expect: [200, 201],
    }),
  ),
  // A page that reaches the API and Postgres on every request, with the costliest work a request
  // can ask for (an argon2id verify): its sustainable rate is low enough that 20 times it can be
  // offered from this machine (benchmarks/spike-20x.ts). Needs the stack's rate limits raised.
  login: singleEndpoint(
    'login',
    'POST /api/users/login (the seeded authors of the articles set-up read, their password)',
    false,
    ({ catalog }, random) => ({
      method: 'POST',
      path: '/api/users/login',
      body: loginBody(pick(catalog.authors, random)),
      expect: OK,
    }),
  ),
  profile: singleEndpoint(
    'profile',
    'GET /api/profiles/:username (anonymous; the authors of the articles set-up read)',
    false,
    ({ catalog }, random) => ({
      method: 'GET',
      path: `/api/profiles/${encodeURIComponent(pick(catalog.authors, random))}`,
      expect: OK,
    }),
  ),
} as const satisfies Record<string, SingleEndpoint>;

export type SingleEndpointName = keyof typeof SINGLE_ENDPOINTS;

export function isSingleEndpointName(name: string): name is SingleEndpointName {
  return Object.keys(SINGLE_ENDPOINTS).includes(name);
}

/**
 * The rows of issue 8's targets table, in its order: the comment write last, so the comments it
 * adds change nothing a read in the same run measures.
 */
export const TARGET_ENDPOINTS: readonly SingleEndpointName[] = [
  'list',
  'tag-list',
  'article',
  'tags',
  'feed',
  'list-signed-in',
  'comment',
];

/** The pages whose p99 may grow at most 1.5x from 20,000 to 1,000,000 articles (issue 8). */
export const DATA_GROWTH_ENDPOINTS: readonly SingleEndpointName[] = [
  'list',
  'tag-list',
  'feed',
  'profile',
];

// ---------------------------------------------------------------------------------------------
// Plans: phases, rates and connections, scaled to the machine.

/**
 * One stretch of a run at one rate. `rate` null means as fast as `connections` allow (a closed
 * loop: each connection sends its next request when the previous answer arrives).
 */
export interface Phase {
  name: string;
  seconds: number;
  rate: number | null;
  connections: number;
}

export interface ScenarioPlan {
  /** A scenario's name, or one endpoint's (capacity/endpoint-runs.ts). */
  scenario: string;
  phases: Phase[];
  /** Seeded users to log in at set-up (0: anonymous). */
  sessions: number;
  request: RequestMaker;
}

export interface PlanOptions {
  /** Total seconds (the spike splits them into thirds). */
  durationSeconds?: number | undefined;
  /** Requests per second; for the spike, the normal rate before and after. */
  rate?: number | undefined;
  /** Multiplies the default rates and connection counts: 1 suits a 2-core machine. */
  scale?: number | undefined;
  connections?: number | undefined;
  /** A few seconds at a low rate, to check error rates only. */
  smoke?: boolean | undefined;
}

/** The spike's peak, as a multiple of the normal rate: "mentioned on a news site". */
export const SPIKE_MULTIPLIER = 8;

/**
 * Defaults for a 2-core machine that also runs the load generator, where the whole native
 * stack (two API processes) peaks at 511 and 533 browse requests/s in a closed loop
 * (results/baseline/edge-browse-run1.json, -run2.json; docs/capacity.md). The closed-loop
 * scenarios (no rate) find that ceiling; the spike's normal rate is under a tenth of it and
 * its peak about three quarters; the soak runs at about a sixth, where a slow leak shows
 * before saturation.
 */
const DEFAULTS = {
  browse: { seconds: 30, connections: 32 },
  'write-mix': { seconds: 30, connections: 16, sessions: 50 },
  spike: { seconds: 60, rate: 50 },
  soak: { seconds: 600, rate: 80, sessions: 20 },
} as const;

/** A smoke run sends about 60 requests: every endpoint of a mix, a few times. */
const SMOKE = { seconds: 3, rate: 20, spikeRate: 5, connections: 2, sessions: 5 } as const;

/**
 * Connections for a fixed rate. Each sends about 4 requests a second, so a connection keeps
 * its share of the rate even while responses take 250 ms (the sweep's objective), up to
 * MAX_RATE_CONNECTIONS; past that, each connection sends more. Below 1,600 req/s this is the
 * rule docs/capacity.md's baseline was measured with.
 */
export function connectionsFor(rate: number): number {
  return Math.max(2, Math.min(MAX_RATE_CONNECTIONS, Math.ceil(rate / 4)));
}

/**
 * The most connections a fixed rate is sent over. Measured against the edge's /healthz (nginx
 * answering a constant; benchmarks/generator-ceiling.ts, load-tests/README.md "The load
 * generator's ceiling"): over 400 connections one autocannon process delivers 2,000 to 16,000
 * req/s with a p99 of 5 to 6 ms; over one connection per 4 req/s it adds its own delay (8,000
 * req/s over 2,000 connections: p99 38 ms) and past that cannot keep up (12,000 req/s over 3,000
 * connections delivered 5,700, p99 458 ms). 400 is also well inside the edge's 2 x 1,024
 * worker_connections, which its connections to the API share.
 */
export const MAX_RATE_CONNECTIONS = 400;

export function planScenario(scenario: ScenarioName, options: PlanOptions = {}): ScenarioPlan {
  const scale = options.scale ?? 1;
  const smoke = options.smoke ?? false;
  const scaled = (value: number) => Math.max(1, Math.round(value * scale));

  const steady = (
    defaultSeconds: number,
    defaultRate: number | null,
    defaultConnections: number,
  ): Phase[] => {
    const rate =
      options.rate ?? (smoke ? SMOKE.rate : defaultRate === null ? null : scaled(defaultRate));
    const connections =
      options.connections ??
      (smoke
        ? SMOKE.connections
        : rate === null
          ? scaled(defaultConnections)
          : connectionsFor(rate));
    const seconds = options.durationSeconds ?? (smoke ? SMOKE.seconds : defaultSeconds);
    return [{ name: 'steady', seconds, rate, connections }];
  };

  switch (scenario) {
    case 'browse':
      return {
        scenario,
        phases: steady(DEFAULTS.browse.seconds, null, DEFAULTS.browse.connections),
        sessions: 0,
        request: browseRequest,
      };
    case 'write-mix':
      return {
        scenario,
        phases: steady(DEFAULTS['write-mix'].seconds, null, DEFAULTS['write-mix'].connections),
        sessions: smoke ? SMOKE.sessions : DEFAULTS['write-mix'].sessions,
        request: writeMixRequest,
      };
    case 'soak':
      return {
        scenario,
        phases: steady(
          DEFAULTS.soak.seconds,
          DEFAULTS.soak.rate,
          connectionsFor(DEFAULTS.soak.rate),
        ),
        sessions: smoke ? SMOKE.sessions : DEFAULTS.soak.sessions,
        request: soakRequest,
      };
    case 'spike': {
      const normal = options.rate ?? (smoke ? SMOKE.spikeRate : scaled(DEFAULTS.spike.rate));
      const peak = normal * SPIKE_MULTIPLIER;
      const total = options.durationSeconds ?? (smoke ? SMOKE.seconds : DEFAULTS.spike.seconds);
      const third = Math.max(1, Math.round(total / 3));
      const phase = (name: string, rate: number): Phase => ({
        name,
        seconds: third,
        rate,
        connections: options.connections ?? connectionsFor(rate),
      });
      return {
        scenario,
        phases: [phase('before', normal), phase('spike', peak), phase('after', normal)],
        sessions: 0,
        request: browseRequest,
      };
    }
  }
}
