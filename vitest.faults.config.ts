// `npm run test:faults`: the fault suites (load-tests/faults/), which break Postgres, Redis and
// the network between the parts under load, on servers of their own. Kept out of `npm test`:
// each takes tens of seconds of both cores. The global set-up is the same (it hands tests the
// test profile's URLs), though the suites use their own servers for everything they break.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['load-tests/faults/**/*.fault.test.ts'],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One at a time: each suite measures recovery times, which a neighbour's load would skew.
    fileParallelism: false,
    reporters: ['default'],
  },
});
