// A moderate steady mix, mostly reading, for a long time (default 10 minutes; DURATION=seconds).
// For k6 (the edge in compose): docker compose --profile loadtest run k6 run /load-tests/k6/soak.ts
// The same scenario with autocannon: npm run loadtest -- soak
import type { Fixtures } from '../scenarios.ts';
import { k6Iteration, k6Options, k6Plan, k6Setup } from './conduit.ts';

const plan = k6Plan('soak');

export const options = k6Options(plan);

export function setup(): Fixtures {
  return k6Setup(plan);
}

export default function (fixtures: Fixtures): void {
  k6Iteration(plan, fixtures);
}
