import { describe, expect, it } from 'vitest';
import { capacityModelTable } from '../capacity/before-after.ts';
import {
  capacityInputs,
  estimateCapacity,
  requestsPerCore,
  sizeSteadyAndSpike,
  sustainedPerReplica,
} from '../capacity/capacity-model.ts';
import { SPIKE_MULTIPLIER } from '../scenarios.ts';

/** docs/capacity.md's baseline: CPU ms per browse request, nothing cached at the edge. */
const BASELINE = {
  edgeHitRatio: 0,
  msPerRequest: { api: 1.22, postgres: 1.98, pgbouncer: 0.18, nginx: 0.17, redis: 0 },
};

describe('the capacity model', () => {
  it('when nothing is cached at the edge, then it sizes 2,000 req/s as the baseline did', () => {
    const inputs = capacityInputs(BASELINE);
    expect(inputs.apiRequestsPerReplica).toBeCloseTo(574, 0);
    expect(estimateCapacity(2_000, inputs)).toMatchObject({
      originRate: 2_000,
      apiReplicas: 5,
      postgresCores: 6,
      totalCores: 12,
    });
    expect(estimateCapacity(16_000, inputs)).toMatchObject({
      apiReplicas: 29,
      postgresCores: 46,
      pgbouncerProcesses: 5,
      totalCores: 81,
    });
  });

  it('when a replica held to a CPU share served fewer requests than its cost says, then the lower figure plans', () => {
    expect(capacityInputs(BASELINE, 300).apiRequestsPerReplica).toBe(300);
  });

  it('when the edge answers 90% of requests, then a part behind it is sized for the tenth that reaches it', () => {
    // Measured over every response: the API's 0.122 ms per request is 1.22 ms per request it saw.
    const inputs = capacityInputs({
      edgeHitRatio: 0.9,
      msPerRequest: { api: 0.122, postgres: 0.198, pgbouncer: 0.018, nginx: 0.17, redis: 0.01 },
    });
    expect(inputs.originMs.postgres).toBeCloseTo(1.98);
    expect(inputs.apiRequestsPerReplica).toBeCloseTo(requestsPerCore(1.22));
    const estimate = estimateCapacity(20_000, inputs);
    expect(estimate.originRate).toBeCloseTo(2_000);
    expect(estimate.apiReplicas).toBe(5);
    expect(estimate.postgresCores).toBe(6);
    expect(estimate.redisCores).toBeCloseTo(0.2);
    // nginx answers every request, hit or not.
    expect(estimate.nginxCores).toBeCloseTo(3.4);
  });

  it('when the edge answered every request, then the origin costs are unknown and it says so', () => {
    expect(() => capacityInputs({ ...BASELINE, edgeHitRatio: 1 })).toThrow(/every request/);
  });

  it('when the rate is tiny, then one Postgres core and N+1 replicas are the floor', () => {
    expect(estimateCapacity(1, capacityInputs(BASELINE))).toMatchObject({
      apiReplicas: 2,
      postgresCores: 1,
      pgbouncerProcesses: 1,
    });
  });

  it('when replicas held to 0.15 CPU sustained 90, 170 and 400 req/s as 1, 2 and 4, then one sustains the median 90 and a core 600', () => {
    const measured = sustainedPerReplica(
      [
        { replicas: 1, sustainedRate: 90 },
        { replicas: 2, sustainedRate: 170 },
        { replicas: 4, sustainedRate: 400 },
      ],
      0.15,
    );
    expect(measured.perReplica).toBe(90);
    expect(measured.perCore).toBeCloseTo(600);
  });

  it('when targets are sized, then each comes steady and then in the spike, in order', () => {
    const sized = sizeSteadyAndSpike([100, 2_000], capacityInputs(BASELINE));
    expect(
      sized.map(({ target, multiplier, estimate }) => [target, multiplier, estimate.rate]),
    ).toEqual([
      [100, 1, 100],
      [100, SPIKE_MULTIPLIER, 100 * SPIKE_MULTIPLIER],
      [2_000, 1, 2_000],
      [2_000, SPIKE_MULTIPLIER, 2_000 * SPIKE_MULTIPLIER],
    ]);
    expect(sized[2]!.estimate).toEqual(estimateCapacity(2_000, capacityInputs(BASELINE)));
  });

  it('when the model is printed with chosen columns, then the table has those columns in that order', () => {
    const sized = sizeSteadyAndSpike([2_000], capacityInputs(BASELINE));
    expect(capacityModelTable(sized, ['target', 'provisioned', 'apiReplicas', 'totalCores'])).toBe(
      [
        '| target req/s | provisioned for | API replicas (1 CPU each, N+1) | cores in all (rounded up) |',
        '|---|---:|---:|---:|',
        '| 2,000 | steady | 5 | 12 |',
        `| 2,000 | ${SPIKE_MULTIPLIER}x spike: 16,000 | 29 | 81 |`,
      ].join('\n'),
    );
  });
});
