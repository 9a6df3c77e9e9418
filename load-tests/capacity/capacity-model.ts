// The capacity model of docs/capacity.md: from what one request costs each part of the stack
// (CPU milliseconds, measured by the rate sweeps) and the share the edge answers from its cache,
// the API replicas and cores a target rate needs. A pure function, so report.ts can size the
// baseline and any later measurement the same way, and a unit test can pin the arithmetic.
import { SPIKE_MULTIPLIER } from '../scenarios.ts';
import { median } from '../stats.ts';

/**
 * A replica in production gets a whole core and is kept under this share of it; Postgres too.
 * The edge sweep's latency turned from flat to queueing between 1.7 and 1.9 of 2 cores
 * (docs/capacity.md section 5).
 */
export const PLANNING_UTILIZATION = 0.7;
/** Replicas beyond the rate's need (N+1), so a rolling restart or a lost replica keeps the rate. */
export const SPARE_REPLICAS = 1;

export interface CapacityInputs {
  /** Share of requests the edge answers from its cache (0 to 1); the rest reach the API. */
  edgeHitRatio: number;
  /** Requests/s one 1-CPU API replica is planned for, counted in requests that reach it. */
  apiRequestsPerReplica: number;
  /** CPU ms per request that reaches the API (the edge answered the others). */
  originMs: { postgres: number; pgbouncer: number; redis: number };
  /** CPU ms per request at nginx (edge and load balancer), over every request. */
  nginxMs: number;
}

export interface CapacityEstimate {
  /** Requests/s offered at the edge. */
  rate: number;
  /** Of those, the requests/s that reach the API. */
  originRate: number;
  /** 1-CPU API replicas, SPARE_REPLICAS included. */
  apiReplicas: number;
  /** Postgres cores, primary and replicas together (whole cores, at least 1). */
  postgresCores: number;
  pgbouncerCores: number;
  /** PgBouncer is one thread: processes needed to keep each under PLANNING_UTILIZATION. */
  pgbouncerProcesses: number;
  redisCores: number;
  nginxCores: number;
  /** Everything above, rounded up. */
  totalCores: number;
}

/** Requests/s one core of a part serves at PLANNING_UTILIZATION, from its CPU ms per request. */
export function requestsPerCore(msPerRequest: number): number {
  return (1000 / msPerRequest) * PLANNING_UTILIZATION;
}

export function estimateCapacity(rate: number, inputs: CapacityInputs): CapacityEstimate {
  const originRate = rate * (1 - inputs.edgeHitRatio);
  const coresFor = (ms: number, requests: number) => (requests * ms) / 1000;
  const apiReplicas = Math.ceil(originRate / inputs.apiRequestsPerReplica) + SPARE_REPLICAS;
  const postgresCores = Math.max(
    1,
    Math.ceil(coresFor(inputs.originMs.postgres, originRate) / PLANNING_UTILIZATION),
  );
  const pgbouncerCores = coresFor(inputs.originMs.pgbouncer, originRate);
  const redisCores = coresFor(inputs.originMs.redis, originRate);
  const nginxCores = coresFor(inputs.nginxMs, rate);
  return {
    rate,
    originRate,
    apiReplicas,
    postgresCores,
    pgbouncerCores,
    pgbouncerProcesses: Math.max(1, Math.ceil(pgbouncerCores / PLANNING_UTILIZATION)),
    redisCores,
    nginxCores,
    totalCores: Math.ceil(apiReplicas + postgresCores + pgbouncerCores + redisCores + nginxCores),
  };
}

/**
 * The model's inputs from what a sweep measured: CPU ms per request for each part over every
 * response (as `msPerRequest` in the report), and the edge's hit ratio over the same responses.
 * A part's cost per request that reached the API is its cost over all of them ÷ (1 - hits); the
 * API's planning figure is the lower of `requestsPerCore` and `measuredPerReplica` (a replica
 * held to a CPU share, when such sweeps exist).
 */
export function capacityInputs(
  measured: {
    edgeHitRatio: number;
    msPerRequest: {
      api: number;
      postgres: number;
      pgbouncer: number;
      redis: number;
      nginx: number;
    };
  },
  measuredPerReplica = Number.POSITIVE_INFINITY,
): CapacityInputs {
  const miss = 1 - measured.edgeHitRatio;
  if (!(miss > 0)) throw new Error('the edge answered every request: no origin cost was measured');
  const origin = (ms: number) => ms / miss;
  return {
    edgeHitRatio: measured.edgeHitRatio,
    apiRequestsPerReplica: Math.min(
      requestsPerCore(origin(measured.msPerRequest.api)),
      measuredPerReplica,
    ),
    originMs: {
      postgres: origin(measured.msPerRequest.postgres),
      pgbouncer: origin(measured.msPerRequest.pgbouncer),
      redis: origin(measured.msPerRequest.redis),
    },
    nginxMs: measured.msPerRequest.nginx,
  };
}

/**
 * What one replica sustained when held to a CPU share, from sweeps over several replica counts:
 * the median over the sweeps of their sustained rate ÷ replicas, and the same per whole core
 * (÷ the share), which `capacityInputs` takes as `measuredPerReplica`.
 */
export function sustainedPerReplica(
  sweeps: readonly { replicas: number; sustainedRate: number }[],
  cpuShare: number,
): { perReplica: number; perCore: number } {
  const perReplica = median(sweeps.map((sweep) => sweep.sustainedRate / sweep.replicas));
  return { perReplica, perCore: perReplica / cpuShare };
}

export interface SizedRate {
  /** The target rate, steady. */
  target: number;
  /** 1 for the steady rate, SPIKE_MULTIPLIER for the spike on top of it. */
  multiplier: number;
  estimate: CapacityEstimate;
}

/** Each target sized steady and in the spike the scenarios plan for (8x), in that order. */
export function sizeSteadyAndSpike(
  targets: readonly number[],
  inputs: CapacityInputs,
  spikeMultiplier = SPIKE_MULTIPLIER,
): SizedRate[] {
  return targets.flatMap((target) =>
    [1, spikeMultiplier].map((multiplier) => ({
      target,
      multiplier,
      estimate: estimateCapacity(target * multiplier, inputs),
    })),
  );
}
