// Builds the static site into dist/: content-hashed file names under /assets/ (Vite's
// default), a JavaScript budget the build enforces, and precompressed twins of every text
// file. `npm run dev -w @headroom/web` serves it with hot reload and proxies /api to the
// native stack's load balancer.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { topologyPort } from '../../infra/topology/topology.ts';
import { initialJsBudget } from './build/initial-js-budget.ts';
import { precompress } from './build/precompress.ts';

/**
 * Gzipped bytes of JavaScript a first visit may download before the page renders (issue 4:
 * under 100 kB). The measured size and what fills it: docs/cdn.md.
 */
export const INITIAL_JS_BUDGET_BYTES = 100_000;

/**
 * Where the dev server sends /api: the native stack's load balancer (infra/native/stack.sh),
 * in front of the API replicas on :3001 and :3002. Its port comes from infra/topology/ports.txt,
 * as the stack's does, and HEADROOM_LB_PORT moves both.
 */
const DEV_LB_ORIGIN = `http://127.0.0.1:${topologyPort('stack', 'lb')}`;

export default defineConfig({
  plugins: [react(), initialJsBudget({ maxGzipBytes: INITIAL_JS_BUDGET_BYTES }), precompress()],
  build: {
    // Stated rather than left to the default: infra/nginx treats /assets/ as immutable.
    assetsDir: 'assets',
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            {
              // React and the router in a chunk of their own: they change with a dependency
              // upgrade, not with every deploy of the site's code, so browsers and the edge
              // keep serving this file (its hash unchanged) across most deploys.
              name: 'framework',
              test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/,
            },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': DEV_LB_ORIGIN },
  },
});
