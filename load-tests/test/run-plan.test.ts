import { describe, expect, it } from 'vitest';
import { slices } from '../autocannon/run-plan.ts';

describe('slices', () => {
  it('when a phase has a rate, then staggered slices share its rate and connections exactly', () => {
    const parts = slices({ name: 'spike', seconds: 20, rate: 405, connections: 102 });
    expect(parts).toHaveLength(10);
    expect(parts.reduce((sum, part) => sum + part.rate!, 0)).toBe(405);
    expect(parts.reduce((sum, part) => sum + part.connections, 0)).toBe(102);
    expect(parts.map((part) => part.delaySeconds)).toEqual(
      Array.from({ length: 10 }, (_, index) => index / 10),
    );
  });

  it('when the rate or connections are few, then no slice is left without either', () => {
    const parts = slices({ name: 'smoke', seconds: 2, rate: 20, connections: 2 });
    expect(parts.map((part) => [part.rate, part.connections])).toEqual([
      [10, 1],
      [10, 1],
    ]);
  });

  it('when a phase has no rate, then it runs as one closed-loop instance', () => {
    expect(slices({ name: 'steady', seconds: 30, rate: null, connections: 32 })).toEqual([
      { delaySeconds: 0, rate: null, connections: 32 },
    ]);
  });
});
