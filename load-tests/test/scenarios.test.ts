import { DEMO_PASSWORD } from '@headroom/db/seed';
import { describe, expect, it } from 'vitest';
import {
  BROWSE_ENDPOINTS,
  browseRequest,
  type Fixtures,
  planScenario,
  SCENARIO_NAMES,
  SEEDED_PASSWORD,
  SPIKE_MULTIPLIER,
  soakRequest,
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
  catalog: { slugs: ['first-post', 'second-post', 'a/b c'], tags: ['node', 'c++'] },
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
