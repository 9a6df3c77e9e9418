// The load-test scripts' command lines (cli.ts), through the real entry files: `--help` is the
// usage on stdout and exit 0; a mistake is the problem and the usage on stderr and exit 2,
// before any request is sent.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);
const loadTests = path.join(repoRoot, 'load-tests');
/** Where the scripts a person runs live; test/, faults/ and k6/ hold suites and k6's scripts. */
const SCRIPT_FOLDERS = ['', 'capacity', 'benchmarks', 'autocannon'];

function typeScriptFiles(folder: string, recursive: boolean): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      return recursive && !['node_modules', 'results'].includes(entry.name)
        ? typeScriptFiles(file, true)
        : [];
    }
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

/**
 * Every entry point, found rather than listed, so a new script cannot be missed: a script file
 * no other file in load-tests/ imports is one a person (or a benchmark, as hello-fastify.ts)
 * runs.
 */
function entryPoints(): string[] {
  const imported = new Set<string>();
  for (const file of typeScriptFiles(loadTests, true)) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      imported.add(path.resolve(path.dirname(file), specifier!));
    }
  }
  return SCRIPT_FOLDERS.flatMap((folder) => typeScriptFiles(path.join(loadTests, folder), false))
    .filter((file) => !imported.has(file))
    .map((file) => path.relative(repoRoot, file))
    .sort();
}

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
  it('when the entry points are found, then the known ones are among them and no module is', () => {
    const found = entryPoints();
    expect(found).toEqual(
      expect.arrayContaining([
        'load-tests/run.ts',
        'load-tests/plot.ts',
        'load-tests/capacity/report.ts',
        'load-tests/capacity/token-version-cost.ts',
        'load-tests/benchmarks/hello-fastify.ts',
      ]),
    );
    expect(found).not.toContain('load-tests/cli.ts');
    expect(found).not.toContain('load-tests/run-scenario.ts');
  });

  it.each(entryPoints())(
    'when %s is asked for --help, then it prints its usage and exits 0',
    async (script) => {
      const result = await runScript(script, ['--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^usage: /);
    },
  );

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
    [
      'load-tests/benchmarks/fan-out.ts',
      ['200,1000', '50000', '1.5'],
      'rounds must be a positive integer, got "1.5"',
    ],
    [
      'load-tests/benchmarks/render-article.ts',
      ['1,2', '100', '3', '4'],
      'expected at most 3 arguments, got 4',
    ],
    ['load-tests/run.ts', [], 'name a scenario'],
    ['load-tests/run.ts', ['browsing'], 'no scenario is called "browsing"'],
    [
      'load-tests/run.ts',
      ['browse', '--rate', 'fast'],
      '--rate must be a positive number, got "fast"',
    ],
    [
      'load-tests/run.ts',
      ['browse', '--connections', '2.5'],
      '--connections must be a positive integer, got "2.5"',
    ],
    [
      'load-tests/run.ts',
      ['browse', '--max-error-rate', '1'],
      '--max-error-rate must be a fraction in [0, 1), got "1"',
    ],
    [
      'load-tests/capacity/token-version-cost.ts',
      ['many'],
      'requests must be a positive integer, got "many"',
    ],
    ['load-tests/capacity/report.ts', ['extra'], 'expected at most 0 arguments, got 1'],
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
