// Turns a process environment into a typed, validated config object, or stops start-up with
// one message that names every offending variable. Each app declares its own schema next to
// its entry file; this is the only place that knows how env strings become values.
import type { Static, TObject } from 'typebox';
import { Value } from 'typebox/value';

export type EnvSource = Record<string, string | undefined>;

/** A rule that spans several variables, e.g. "METRICS_PORT must differ from PORT". */
export interface CrossFieldRule<Config> {
  variables: string[];
  message: string;
  holds: (config: Config) => boolean;
}

export class InvalidEnvironmentError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid environment:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InvalidEnvironmentError';
    this.problems = problems;
  }
}

export function loadEnv<Schema extends TObject>(
  schema: Schema,
  source: EnvSource,
  rules: CrossFieldRule<Static<Schema>>[] = [],
): Static<Schema> {
  const declared = Object.keys(schema.properties);
  // Empty strings mean "unset": `FOO=` in a .env file should fall back to the default.
  const present = Object.fromEntries(
    declared.flatMap((key) => {
      const value = source[key];
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
  const candidate = Value.Convert(schema, Value.Default(schema, present));

  // One variable at a time: TypeBox stops collecting after a few errors (Settings maxErrors,
  // a guard for request validation), and one bad union such as LOG_LEVEL fills them all, which
  // would hide every later variable's problem. The first error names what was wanted.
  const required = new Set<string>(schema.required ?? []);
  const values = candidate as Record<string, unknown>;
  const invalid = new Set<string>();
  const problems = declared.flatMap((variable) => {
    if (values[variable] === undefined) {
      if (!required.has(variable)) return [];
      invalid.add(variable);
      return [`${variable}: is required`];
    }
    const [error] = Value.Errors(schema.properties[variable]!, values[variable]);
    if (error === undefined) return [];
    invalid.add(variable);
    // The raw string: Value.Convert has already turned "99999" into a number in `present`.
    const received = source[variable] ?? '';
    return [`${variable}: ${error.message} (got "${redact(variable, received)}")`];
  });

  // Rules whose own variables are valid are checked too, so that one message lists every
  // problem (an unset REDIS_URL is a rule's, "set exactly one", beside an unset JWT_SECRET).
  const config = candidate as Static<Schema>;
  const broken = rules.filter(
    (rule) => rule.variables.every((variable) => !invalid.has(variable)) && !rule.holds(config),
  );
  problems.push(...broken.map((rule) => `${rule.variables.join(', ')}: ${rule.message}`));
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return config;
}

/** Variables whose whole value is a secret. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY/i;
/**
 * The credentials of a URL-shaped value (`postgres://user:password@host`): everything between
 * the scheme and the last `@`, so a password holding `/`, `#` or `@` is hidden whole too.
 */
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/).*@/i;

/** A value as it may appear in an error message: secrets hidden, URLs without their credentials. */
function redact(variable: string, value: string): string {
  if (SECRET_NAME.test(variable)) return '***';
  return withoutCredentials(value);
}

/** A URL as it may be printed: `postgresql://***@host:5432/db`. */
export function withoutCredentials(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1***@');
}
