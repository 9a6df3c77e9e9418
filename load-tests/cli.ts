// The command line of the load-test scripts: one parser, and the same answer to `--help` and
// to a mistake in every script.
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A wrong command line: the problem (if there is one to name) and the usage, then exit 2. */
export function usageError(usage: string, problem?: string): never {
  console.error(problem === undefined ? usage : `${problem}\n\n${usage}`);
  process.exit(2);
}

/**
 * node:util's parseArgs with `--help` (`-h`) added: help prints the usage and exits 0; an
 * unknown option, or a value such as "-3" read as an option, is a usage error.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      ...config,
      options: { ...config.options, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    usageError(usage, (error as Error).message);
  }
  if (parsed.values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  return parsed as ReturnType<typeof parseArgs<T>>;
}

/**
 * The `--param NAME=VALUE` facts a run records about its target (replicas=2), as an object; a
 * pair without `=` is a usage error. The value may itself contain `=`.
 */
export function parseParams(usage: string, pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const [name, value] = pair.split(/=(.*)/s);
      if (!name || value === undefined)
        usageError(usage, `--param takes NAME=VALUE, got "${pair}"`);
      return [name, value];
    }),
  );
}
