// Set-up for an autocannon run: reads real slugs and tags from the running API and logs in
// seeded users, so the load hits rows that exist. The k6 scripts do the same in k6/conduit.ts.
import {
  type ArticlesPage,
  type Catalog,
  checkFixtures,
  collectArticles,
  DISCOVERY,
  discoveryOffsets,
  type Fixtures,
  loginBody,
  type ScenarioPlan,
  type Session,
} from '../scenarios.ts';

/** Logins in flight at once: quick set-up without a burst the login limiter would notice. */
const LOGIN_CONCURRENCY = 4;

export interface FixtureOptions {
  /**
   * Read the newest this-many articles (pages of DISCOVERY.pageSize, one after another) instead
   * of the newest page and pages at random offsets: a fixed set of slugs, as the endpoint
   * benchmark's "500 slugs" asks. Fewer when the database holds fewer.
   */
  newestArticles?: number;
  /** Keep only the first this-many authors (profile pages): the same count on any data set. */
  authors?: number;
}

/** The fixtures, and how many articles the API says it holds (the data set's size). */
export async function loadFixtures(
  baseUrl: string,
  plan: Pick<ScenarioPlan, 'scenario' | 'sessions'>,
  { newestArticles, authors }: FixtureOptions = {},
): Promise<Fixtures & { articlesCount: number }> {
  const { tags } = await getJson<{ tags: string[] }>(baseUrl, '/api/tags');
  const first = await getJson<ArticlesPage>(baseUrl, '/api/articles?limit=1');
  const offsets =
    newestArticles === undefined
      ? discoveryOffsets(first.articlesCount, Math.random)
      : newestOffsets(Math.min(newestArticles, first.articlesCount));
  const pages = await Promise.all(
    offsets.map((offset) =>
      getJson<ArticlesPage>(baseUrl, `/api/articles?limit=${DISCOVERY.pageSize}&offset=${offset}`),
    ),
  );
  const { slugs, usernames } = collectArticles(pages);
  const catalog: Catalog = {
    slugs: newestArticles === undefined ? slugs : slugs.slice(0, newestArticles),
    tags,
    authors: authors === undefined ? usernames : usernames.slice(0, authors),
  };
  const sessions = plan.sessions > 0 ? await logIn(baseUrl, usernames, plan.sessions) : [];
  const fixtures = { catalog, sessions };
  checkFixtures(plan, fixtures);
  return { ...fixtures, articlesCount: first.articlesCount };
}

/** Offsets of the pages that hold the newest `count` articles. */
function newestOffsets(count: number): number[] {
  const pages = Math.max(1, Math.ceil(count / DISCOVERY.pageSize));
  return Array.from({ length: pages }, (_, page) => page * DISCOVERY.pageSize);
}

/**
 * Logs in up to `wanted` of the candidates, one attempt each: the API allows 10 logins a minute
 * per address and email, so spreading over many users keeps repeated runs under the limit.
 * Authors who are not seeded users (registered by tests, say) fail to log in and are skipped.
 */
async function logIn(baseUrl: string, candidates: string[], wanted: number): Promise<Session[]> {
  const queue = shuffle(candidates);
  const sessions: Session[] = [];
  const worker = async () => {
    while (sessions.length < wanted) {
      const username = queue.pop();
      if (username === undefined) return;
      const response = await fetch(`${baseUrl}/api/users/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: loginBody(username),
      });
      if (response.status === 429) {
        throw new Error(
          `login rate limit reached for ${username}; wait a minute, or start the stack with RATE_LIMIT_MULTIPLIER=1000 (load-tests/README.md)`,
        );
      }
      if (!response.ok) continue;
      const { user } = (await response.json()) as { user: { token: string } };
      if (sessions.length < wanted) sessions.push({ username, token: user.token });
    }
  };
  await Promise.all(Array.from({ length: LOGIN_CONCURRENCY }, worker));
  return sessions;
}

async function getJson<T>(baseUrl: string, path: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`).catch((error: unknown) => {
    throw new Error(`cannot reach ${baseUrl}: is the stack running? (${String(error)})`);
  });
  if (!response.ok) {
    throw new Error(`GET ${baseUrl}${path} answered ${response.status}: is the stack running?`);
  }
  return (await response.json()) as T;
}

function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
