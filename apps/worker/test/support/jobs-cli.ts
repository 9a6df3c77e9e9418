// Runs the operator CLI exactly as documented (`npm run jobs -- ...`), as its own process with
// the worker's environment.
import { execFile } from 'node:child_process';
import { childEnvironment, repoRoot } from '@headroom/testing/processes';

/** An operator command that has not answered by then is stuck (waiting on Redis, say). */
const CLI_TIMEOUT_MS = 30_000;

export function runJobsCli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'jobs', '--', ...args],
      { cwd: repoRoot, env: childEnvironment(env), timeout: CLI_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
