import { DEMO_PASSWORD } from '@headroom/db/seed';
import { describe, expect, it } from 'vitest';
import { MAX_OFFSET } from '../../apps/api/src/modules/articles/articles.schemas.ts';
import {
  BROWSE_ENDPOINTS,
  browseRequest,
  connectionsFor,
  DATA_GROWTH_ENDPOINTS,
  discoveryOffsets,
  type Fixtures,
  MAX_LIST_OFFSET,
  MAX_RATE_CONNECTIONS,
  planScenario,
  SCENARIO_NAMES,
  SEEDED_PASSWORD,
  SINGLE_ENDPOINTS,
  SPIKE_MULTIPLIER,
  soakRequest,
  TARGET_ENDPOINTS,
  writeMixRequest,
} from '../scenarios.ts';

/** A small deterministic PRNG (mulberry32), so the mixes are checked on the same draws each run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fixtures: Fixtures = {
  catalog: {
    slugs: ['first-post', 'second-post', 'a/b c'],
    tags: ['node', 'c++'],
    authors: ['ann', 'bob'],
  },
  sessions: [
    { username: 'ann', token: 'token-ann' },
    { username: 'bob', token: 'token-bob' },
  ],
};

describe('scenarios', () => {
  it('when the seed changes its password, then the scenarios must too', () => {
    expect(SEEDED_PASSWORD).toBe(DEMO_PASSWORD);
  });

  it('when one browse endpoint is asked for by its label, then its requests carry that label', () => {
    const random = seededRandom(2);
    for (const [label, make] of Object.entries(BROWSE_ENDPOINTS)) {
      expect(make(fixtures, random).label).toBe(label);
    }
  });

  it('when browsing, then every page of the mix appears, anonymously, with encoded paths', () => {
    const random = seededRandom(1);
    const requests = Array.from({ length: 2_000 }, () => browseRequest(fixtures, random));
    expect(new Set(requests.map((request) => request.label))).toEqual(
      new Set(['home', 'tags', 'tag page', 'article', 'comments']),
    );
    expect(
      requests.every((request) => request.method === 'GET' && request.token === undefined),
    ).toBe(true);
    expect(requests.map((request) => request.path)).toContain('/api/articles/a%2Fb%20c');
    expect(requests.map((request) => request.path)).toContain(
      '/api/articles?tag=c%2B%2B&limit=10&offset=0',
    );
  });

  it('when writing, then every request is signed in and nobody follows themselves', () => {
    const random = seededRandom(2);
    const requests = Array.from({ length: 2_000 }, () => writeMixRequest(fixtures, random));
    expect(requests.every((request) => request.token !== undefined)).toBe(true);
    for (const request of requests.filter((r) => r.label === 'follow' || r.label === 'unfollow')) {
      const followee = request.path.split('/')[3];
      expect(request.token).not.toBe(`token-${followee}`);
    }
    const creates = requests.filter((request) => request.label === 'create article');
    expect(creates.length).toBeGreaterThan(0);
    for (const request of creates) {
      expect(JSON.parse(request.body!).article).toMatchObject({
        title: expect.any(String),
        body: expect.any(String),
      });
    }
  });

  it('when soaking, then most requests are anonymous reads and some are writes', () => {
    const random = seededRandom(3);
    const requests = Array.from({ length: 2_000 }, () => soakRequest(fixtures, random));
    const writes = requests.filter((request) => request.method !== 'GET').length;
    expect(writes / requests.length).toBeGreaterThan(0.03);
    expect(writes / requests.length).toBeLessThan(0.15);
  });

  it('when spiking, then the middle third runs at the multiple of the normal rate', () => {
    const plan = planScenario('spike', { rate: 10, durationSeconds: 30 });
    expect(plan.phases.map((phase) => [phase.name, phase.seconds, phase.rate])).toEqual([
      ['before', 10, 10],
      ['spike', 10, 10 * SPIKE_MULTIPLIER],
      ['after', 10, 10],
    ]);
  });

  it('when scaled, then default rates and connections grow with the factor', () => {
    const one = planScenario('soak');
    const two = planScenario('soak', { scale: 2 });
    expect(two.phases[0]!.rate).toBe(one.phases[0]!.rate! * 2);
    expect(planScenario('browse', { scale: 2 }).phases[0]!.connections).toBe(
      planScenario('browse').phases[0]!.connections * 2,
    );
  });

  it('when smoking, then every scenario is a few seconds at a low rate', () => {
    for (const name of SCENARIO_NAMES) {
      const plan = planScenario(name, { smoke: true });
      const seconds = plan.phases.reduce((sum, phase) => sum + phase.seconds, 0);
      expect(seconds).toBeLessThanOrEqual(5);
      for (const phase of plan.phases) {
        expect(phase.rate).not.toBeNull();
        expect(phase.rate).toBeLessThanOrEqual(50);
      }
    }
  });
});

describe('connections for a fixed rate', () => {
  it('when the rate is low, then each connection sends about 4 requests a second', () => {
    expect(connectionsFor(1)).toBe(2);
    expect(connectionsFor(500)).toBe(125);
    expect(planScenario('browse', { rate: 600 }).phases[0]!.connections).toBe(150);
  });

  it("when the rate is high, then the connections stop at the load generator's cap", () => {
    expect(connectionsFor(8_000)).toBe(MAX_RATE_CONNECTIONS);
    expect(planScenario('browse', { rate: 20_000 }).phases[0]!.connections).toBe(
      MAX_RATE_CONNECTIONS,
    );
  });
});

describe('single endpoints', () => {
  const random = seededRandom(7);

  it.each(Object.entries(SINGLE_ENDPOINTS))(
    'when %s makes a request, then its label is its name and only signed-in ones carry a token',
    (name, endpoint) => {
      const request = endpoint.request(fixtures, random);
      expect(request.label).toBe(name);
      expect(request.token !== undefined).toBe(endpoint.signedIn);
    },
  );

  it('when the article page is loaded, then every slug set-up read is asked for', () => {
    const paths = new Set(
      Array.from({ length: 300 }, () => SINGLE_ENDPOINTS.article.request(fixtures, random).path),
    );
    expect(paths.size).toBe(fixtures.catalog.slugs.length);
  });

  it('when the lists are asked for, then they ask for pages of 20 as the issue measured', () => {
    for (const name of ['list', 'tag-list', 'feed', 'list-signed-in'] as const) {
      expect(SINGLE_ENDPOINTS[name].request(fixtures, random).path).toContain('limit=20');
    }
  });

  it("when the targets run, then the issue's seven rows run with the write last", () => {
    expect(TARGET_ENDPOINTS).toHaveLength(7);
    expect(TARGET_ENDPOINTS.at(-1)).toBe('comment');
    expect(
      TARGET_ENDPOINTS.slice(0, -1).every(
        (name) => SINGLE_ENDPOINTS[name].request(fixtures, random).method === 'GET',
      ),
    ).toBe(true);
    expect(DATA_GROWTH_ENDPOINTS).toEqual(['list', 'tag-list', 'feed', 'profile']);
  });
});

describe('set-up discovery', () => {
  it('when the data set is deeper than the API pages by offset, then no page is read past it', () => {
    expect(MAX_LIST_OFFSET).toBe(MAX_OFFSET);
    const random = seededRandom(11);
    for (let draw = 0; draw < 100; draw++) {
      for (const offset of discoveryOffsets(1_000_000, random)) {
        expect(offset).toBeLessThanOrEqual(MAX_OFFSET);
      }
    }
  });
});
