// infra/topology/ports.txt read from TypeScript: the parts of the topology and their ports, for
// the tests, the configuration files that reach a part (the site's dev server, Playwright) and
// the docs' generated tables. The native scripts read the same file (lib.sh, topology_rows).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TOPOLOGY_FILE = fileURLToPath(new URL('./ports.txt', import.meta.url));

export const NATIVE_PROFILES = ['stack', 'test', 'e2e'] as const;
export type NativeProfile = (typeof NATIVE_PROFILES)[number];
/** The file's port columns: the native profiles, and what docker-compose.yml publishes. */
export type PortColumn = NativeProfile | 'compose';
const PORT_COLUMNS: readonly PortColumn[] = [...NATIVE_PROFILES, 'compose'];
const STARTERS = ['services.sh', 'stack.sh', 'compose'] as const;

export interface TopologyPart {
  /** As `stack.sh ports` names it; `api-N` for one per replica. */
  name: string;
  startedBy: (typeof STARTERS)[number];
  /** The scripts' variable (PG_PORT), whose override is HEADROOM_[PROFILE_]PG_PORT; none for compose-only parts. */
  variable: string | undefined;
  /** Its port in each column, or the base replica N adds itself to; absent where it has none. */
  ports: Partial<Record<PortColumn, number>>;
  /** `api` for api-N and api-N-metrics: one per replica of that kind. */
  replicatedKind: string | undefined;
  what: string;
}

const HEADER = ['part', 'started-by', 'variable', ...PORT_COLUMNS, 'what'];

/** The parts in the file's order; throws on a line that does not fit the header. */
export function readTopology(text = readFileSync(TOPOLOGY_FILE, 'utf8')): TopologyPart[] {
  const lines = text
    .split('\n')
    .map((line, index) => ({ number: index + 1, fields: line.trim().split(/\s+/) }))
    .filter(({ fields }) => fields[0] !== '' && !fields[0]?.startsWith('#'));
  const [header, ...rows] = lines;
  if (header?.fields.join(' ') !== HEADER.join(' ')) {
    throw new Error(`${TOPOLOGY_FILE}: the header must be: ${HEADER.join(' ')}`);
  }
  return rows.map(({ number, fields }) => {
    const [name = '', startedBy = '', variable = '', ...rest] = fields;
    const fail = (problem: string) => {
      throw new Error(`${TOPOLOGY_FILE}:${number}: ${problem}`);
    };
    if (!STARTERS.includes(startedBy as TopologyPart['startedBy'])) {
      fail(`started-by is ${startedBy}, expected one of ${STARTERS.join(', ')}`);
    }
    const ports: TopologyPart['ports'] = {};
    PORT_COLUMNS.forEach((column, index) => {
      const value = rest[index];
      if (value === '-') return;
      if (!value || !/^[1-9][0-9]*$/.test(value) || Number(value) > 65_535) {
        fail(`${column} is ${value ?? 'missing'}, expected a port number or -`);
      }
      ports[column] = Number(value);
    });
    if (variable !== '-' && !/^[A-Z][A-Z0-9_]*$/.test(variable)) {
      fail(`variable is ${variable}, expected a shell variable's name (PG_PORT) or -`);
    }
    if (rows.some((other) => other.number < number && other.fields[0] === name)) {
      fail(`${name} is listed twice`);
    }
    const what = rest.slice(PORT_COLUMNS.length).join(' ');
    if (what === '') fail('what is missing');
    return {
      name,
      startedBy: startedBy as TopologyPart['startedBy'],
      variable: variable === '-' ? undefined : variable,
      ports,
      replicatedKind: /^([a-z]+)-N(-|$)/.exec(name)?.[1],
      what,
    };
  });
}

/** The variable that moves VARIABLE in PROFILE, as lib.sh's profile_variable names it. */
export function overrideVariable(profile: NativeProfile, variable: string): string {
  return profile === 'stack'
    ? `HEADROOM_${variable}`
    : `HEADROOM_${profile.toUpperCase()}_${variable}`;
}

/**
 * A part's port in a native profile, its override in `env` applied as the scripts apply it;
 * for a replicated part, pass the replica (api-N with replica 2 is api-2). Throws when the
 * profile has no such part.
 */
export function topologyPort(
  profile: NativeProfile,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  replica?: number,
  parts: TopologyPart[] = readTopology(),
): number {
  const part = parts.find((candidate) => candidate.name === name);
  const port = part?.ports[profile];
  if (!part || port === undefined) {
    throw new Error(`${TOPOLOGY_FILE}: the ${profile} profile has no part ${name}`);
  }
  const override = part.variable && env[overrideVariable(profile, part.variable)];
  const base = override ? Number(override) : port;
  if (part.replicatedKind === undefined) return base;
  if (replica === undefined) throw new Error(`${name} is one per replica: say which replica`);
  return base + replica;
}

/**
 * The part a name in a `ports` listing belongs to: api-2-metrics is replica 2 of api-N-metrics;
 * a part that runs once (redis-sentinel-1 among them) is itself.
 */
export function listedPart(
  listed: string,
  parts: TopologyPart[] = readTopology(),
): { part: string; replica: number | undefined } {
  const match = /^([a-z]+)-(\d+)(-.*)?$/.exec(listed);
  const replicated = match && `${match[1]}-N${match[3] ?? ''}`;
  if (match && parts.some((part) => part.name === replicated && part.replicatedKind)) {
    return { part: replicated as string, replica: Number(match[2]) };
  }
  return { part: listed, replica: undefined };
}
