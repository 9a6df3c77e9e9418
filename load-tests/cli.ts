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

/** What a numeric argument may be: by default a positive number. */
export interface NumberRule {
  /** A whole number (counts, ports, connections). */
  integer?: boolean;
  /** 0 allowed too (a warm-up that can be skipped). */
  allowZero?: boolean;
}

/**
 * A number from the command line, or a usage error that names it (`--top`, `seconds`) and
 * what it got: "abc", "", "1.5" for a count and "0" for a rate never reach the script.
 */
export function numberArgument(
  usage: string,
  name: string,
  text: string,
  { integer = false, allowZero = false }: NumberRule = {},
): number {
  const value = Number(text);
  const valid =
    text.trim() !== '' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (allowZero ? value >= 0 : value > 0);
  if (!valid) {
    const kind = `${allowZero ? 'a non-negative' : 'a positive'} ${integer ? 'integer' : 'number'}`;
    usageError(usage, `${name} must be ${kind}, got "${text}"`);
  }
  return value;
}

/** A comma-separated list of numbers (`--rates 100,200,300`), each as numberArgument; never empty. */
export function numberListArgument(
  usage: string,
  name: string,
  text: string,
  rule: NumberRule = {},
): number[] {
  const items = text.split(',').filter((item) => item !== '');
  if (items.length === 0) usageError(usage, `${name} needs at least one number, got "${text}"`);
  return items.map((item) => numberArgument(usage, name, item, rule));
}

/** A usage error when a script is given more positional arguments than it takes. */
export function atMostPositionals(
  usage: string,
  positionals: readonly string[],
  max: number,
): void {
  if (positionals.length > max) {
    usageError(usage, `expected at most ${max} arguments, got ${positionals.length}`);
  }
}

/** One positional argument of a script that takes only numbers. */
export interface PositionalNumber extends NumberRule {
  /** Its name in the usage and in a usage error. */
  name: string;
  /** The value when it is left out, as it would be typed (`'2,5,10'` for a list). */
  fallback: string;
  /** A comma-separated list of numbers (`2,5,10`) rather than one. */
  list?: boolean;
}

type PositionalValues<S extends readonly PositionalNumber[]> = {
  -readonly [K in keyof S]: S[K] extends { list: true } ? number[] : number;
};

/**
 * The command line of a script whose arguments are all numbers in a fixed order
 * (`fan-out.ts [batchSizes=200,1000] [followers=50000] [rounds=3]`): `--help`, then each
 * positional as numberArgument or numberListArgument reads it, its fallback when left out; more
 * arguments than `specs` is a usage error.
 */
export function parsePositionalNumbers<const S extends readonly PositionalNumber[]>(
  usage: string,
  specs: S,
): PositionalValues<S> {
  const { positionals } = parseCommandLine(usage, { allowPositionals: true, options: {} });
  atMostPositionals(usage, positionals, specs.length);
  return specs.map((spec, index) => {
    const text = positionals[index] ?? spec.fallback;
    return spec.list
      ? numberListArgument(usage, spec.name, text, spec)
      : numberArgument(usage, spec.name, text, spec);
  }) as PositionalValues<S>;
}
