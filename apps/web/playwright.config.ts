// Browser tests of the site as visitors get it: through the edge, against a real API and
// database. globalSetup starts the e2e stack (infra/native/stack.sh up --profile e2e: its own
// ports, Postgres, Redis and an empty database); `npm test` runs this after vitest.
//   npm run test:e2e -w @headroom/web [-- e2e/articles.spec.ts]
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { topologyPort } from '../../infra/topology/topology.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Where reports, screenshots and traces of failed tests go (git-ignored). */
export const E2E_OUTPUT_DIR = `${repoRoot}.local/e2e`;
// The e2e stack's edge, where infra/native/stack.sh --profile e2e puts it (HEADROOM_E2E_EDGE_PORT
// moves both).
const edgePort = topologyPort('e2e', 'edge');

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  outputDir: `${E2E_OUTPUT_DIR}/test-results`,
  // Every test makes its own users and articles, so tests may run side by side. Two workers
  // suit the 2-core reference machine, which also runs the API, Postgres and nginx.
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  // A flaky test is a bug to fix, not to retry away.
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    // infra/native/test.sh reads this for the final "N passed, N failed" line.
    ['json', { outputFile: `${E2E_OUTPUT_DIR}/results.json` }],
    ['html', { outputFolder: `${E2E_OUTPUT_DIR}/report`, open: 'never' }],
  ],
  use: {
    baseURL: `http://127.0.0.1:${edgePort}`,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    // Video needs Playwright's own ffmpeg build, which is not installed (ENVIRONMENT.md).
    video: 'off',
    launchOptions: {
      // Debian's Chromium: Playwright's browser download is not reachable from every machine.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
