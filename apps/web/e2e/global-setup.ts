// Starts the e2e stack once for the whole run: the site built from the current sources, the
// web origin, the edge, the API, and Postgres and Redis emptied. A stack left over from an
// earlier run is stopped first, so every run tests the current code against empty data.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function stack(command: 'up' | 'down') {
  execFileSync('bash', ['infra/native/stack.sh', command, '--profile', 'e2e'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

export default function globalSetup() {
  stack('down');
  stack('up');
}
