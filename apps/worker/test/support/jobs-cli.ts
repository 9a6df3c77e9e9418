// Runs the operator CLI exactly as documented (`npm run jobs -- ...`), as its own process with
// the worker's environment.
import { runNpmScript } from '@headroom/testing/processes';

export function runJobsCli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runNpmScript('jobs', env, ...args);
}
