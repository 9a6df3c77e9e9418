// The load-test scripts' command lines (cli.ts), through the real entry files: `--help` is the
// usage on stdout and exit 0; a mistake is the problem and the usage on stderr and exit 2,
// before any request is sent.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);

async function runScript(script: string, args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: repoRoot },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('the load-test command lines', () => {
  it.each([
    'load-tests/run.ts',
    'load-tests/plot.ts',
    'load-tests/capacity/sweep.ts',
    'load-tests/capacity/endpoints.ts',
    'load-tests/capacity/data-growth.ts',
    'load-tests/capacity/replicas.ts',
    'load-tests/capacity/cpuprofile-summary.ts',
    'load-tests/capacity/profile-endpoint.ts',
    'load-tests/capacity/explain-endpoint.ts',
    'load-tests/benchmarks/pool-size.ts',
    'load-tests/benchmarks/edge-vs-origin.ts',
    'load-tests/benchmarks/framework-ceiling.ts',
    'load-tests/benchmarks/generator-ceiling.ts',
    'load-tests/benchmarks/hello-fastify.ts',
    'load-tests/benchmarks/fan-out.ts',
    'load-tests/benchmarks/render-article.ts',
    'load-tests/benchmarks/outbox-latency.ts',
  ])('when %s is asked for --help, then it prints its usage and exits 0', async (script) => {
    const result = await runScript(script, ['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage: /);
  });

  it('when an option is unknown, then the script names it, prints its usage and exits 2', async () => {
    const result = await runScript('load-tests/run.ts', ['browse', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--bogus'");
    expect(result.stderr).toContain('usage: npm run loadtest');
  });

  it.each([
    [
      'load-tests/capacity/sweep.ts',
      ['--rates', '0,100'],
      '--rates must be a positive number, got "0"',
    ],
    [
      'load-tests/capacity/sweep.ts',
      ['--rates', '100', '--stop-after', '0'],
      '--stop-after must be a positive integer, got "0"',
    ],
    [
      'load-tests/capacity/cpuprofile-summary.ts',
      ['profile.cpuprofile', '--top', 'ten'],
      '--top must be a positive integer, got "ten"',
    ],
    ['load-tests/benchmarks/pool-size.ts', ['2,x'], 'sizes must be a positive integer, got "x"'],
    ['load-tests/capacity/endpoints.ts', ['--endpoints', 'list,lists'], 'unknown endpoint "lists"'],
    [
      'load-tests/capacity/endpoints.ts',
      ['--connections', '1.5'],
      '--connections must be a positive integer, got "1.5"',
    ],
    [
      'load-tests/capacity/data-growth.ts',
      ['compare', 'small.json'],
      'compare takes two results files, 20k first',
    ],
    [
      'load-tests/capacity/profile-endpoint.ts',
      ['tag page', 'twenty'],
      'seconds must be a positive number, got "twenty"',
    ],
  ])('when %s gets %j, then it names the bad value and exits 2', async (script, args, problem) => {
    const result = await runScript(script, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('usage: ');
  });

  it.each([
    ['load-tests/run.ts', ['browse', '--param', 'replicas']],
    ['load-tests/capacity/sweep.ts', ['--rates', '10', '--param', 'replicas']],
  ])('when %s gets a --param without "=", then it says so and exits 2', async (script, args) => {
    const result = await runScript(script, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--param takes NAME=VALUE, got "replicas"');
    expect(result.stderr).toContain('usage: ');
  });
});
