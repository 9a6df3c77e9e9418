// docker-compose.yml and the Dockerfile, checked without a Docker engine (none runs here):
// the compose file against the Compose Specification's JSON schema, then what the schema
// cannot see: files it mounts or builds from exist, every dependency waits on a condition the
// other service can meet, every process is health-checked (or says why not) and limited,
// the api and worker get an environment their own config schemas accept, no secret is
// written in the file (each comes from .env, required), and no image runs as root. What only
// a running engine can prove is listed in docs/deployment.md.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ApiEnvSchema,
  loadApiConfig,
  PUBLISHED_JWT_SECRETS,
} from '../../../apps/api/src/config.ts';
import { loadWorkerConfig, WorkerEnvSchema } from '../../../apps/worker/src/config.ts';
import { readTopology } from '../../topology/topology.ts';
import { readDockerfile } from '../dockerfile.ts';
import { dropDevOptional } from '../drop-dev-optional.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fromRepo = (path: string) => join(repoRoot, path);

// --- the compose file ----------------------------------------------------------------------

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type: string; source?: string; target: string })[];
  environment?: string[] | Record<string, string | number | boolean | null>;
  restart?: string;
  command?: string | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  deploy?: {
    replicas?: number;
    resources?: { limits?: { cpus?: string | number; memory?: string | number } };
  };
  profiles?: string[];
  ports?: (string | { published?: string | number; host_ip?: string })[];
  /** Why a long-running service has no health check (read by this test). */
  'x-healthcheck-exempt'?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = readFileSync(fromRepo('docker-compose.yml'), 'utf8');
// Compose resolves `<<` merge keys (YAML 1.1), which docker-compose.yml uses for shared blocks.
const compose = parse(composeText, { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);

/** One-shots run to completion and stay down: compose must not restart them. */
const isOneShot = (service: Service) => service.restart === 'no';

const dependencies = (service: Service): [string, string | undefined][] =>
  Array.isArray(service.depends_on)
    ? service.depends_on.map((name) => [name, undefined])
    : Object.entries(service.depends_on ?? {}).map(([name, spec]) => [name, spec.condition]);

const buildOf = (service: Service) =>
  typeof service.build === 'string' ? { context: service.build } : service.build;

/** `${NAME:?message}` or `${NAME?message}` with NAME unset: compose refuses to start. */
class RequiredVariableError extends Error {}

const INTERPOLATION = /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)/g;

/**
 * Compose's variable interpolation, given what the shell and .env set: ${NAME:-default} and
 * ${NAME-default} fall back to the default, ${NAME:?message} and ${NAME?message} refuse to
 * start, ${NAME} and $NAME become nothing, $$ a dollar sign. With no variables, it is what a
 * fresh checkout without a .env file gets.
 */
function interpolate(value: string, variables: Record<string, string> = {}): string {
  return value.replace(
    INTERPOLATION,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const given = variables[name];
      // With a colon, an empty value counts as unset.
      const set = given !== undefined && (given !== '' || !operator?.startsWith(':'));
      if (operator?.endsWith('-')) return set ? given : (argument ?? '');
      if (operator?.endsWith('?')) {
        if (!set) throw new RequiredVariableError(`${name}: ${argument}`);
        return given;
      }
      return given ?? '';
    },
  );
}

/** Variables the file requires with ${NAME:?...}: the secrets infra/compose/secrets.sh writes. */
const requiredVariables = [
  ...new Set(
    [...JSON.stringify(compose).matchAll(/\$\{(\w+):?\?/g)].map((match) => match[1] as string),
  ),
].sort();

/** What .env holds after `bash infra/compose/secrets.sh`: a random value for each. */
const generatedSecrets = Object.fromEntries(
  requiredVariables.map((name) => [name, randomBytes(32).toString('hex')]),
);

function environmentOf(
  service: Service,
  variables: Record<string, string> = generatedSecrets,
): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)] as const;
      })
    : Object.entries(service.environment ?? {}).map(
        ([name, value]) => [name, value === null ? '' : String(value)] as const,
      );
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value, variables)]));
}

/** Environment variables that carry a secret by their name. */
const isSecretName = (name: string) => /PASSWORD|SECRET|TOKEN|API_KEY|_AUTH$/.test(name);

/** Exactly one required interpolation, `${NAME:?message}`: no default, no literal part. */
const isRequiredVariable = (value: string) => /^\$\{\w+:\?[^}]*\}$/.test(value);

/** Every place in a service's environment and command where a secret is written. */
function secretsWritten(name: string, service: Service): string[] {
  const raw = Array.isArray(service.environment)
    ? service.environment.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(service.environment ?? {}).map(
        ([key, value]) => [key, value === null ? '' : String(value)] as [string, string],
      );
  const command = Array.isArray(service.command) ? service.command : [];
  const values: [string, string][] = [
    ...raw.filter(([key]) => isSecretName(key)),
    // A URL's password: postgresql://user:PASSWORD@host, redis://:PASSWORD@host.
    ...raw.flatMap(([key, value]) => {
      const password = /^\w+:\/\/[^:/@]*:(.*)@[^@]*$/.exec(value)?.[1];
      return password === undefined ? [] : [[`${key}'s password`, password] as [string, string]];
    }),
    // redis-server --requirepass VALUE (and --masterauth, for a replica of a Redis).
    ...command.flatMap((word, at) =>
      /^--(requirepass|masterauth)$/.test(word)
        ? [[word, command[at + 1] ?? ''] as [string, string]]
        : [],
    ),
  ];
  return values
    .filter(([, value]) => !isRequiredVariable(value))
    .map(([key, value]) => `${name}: ${key} is "${value}"`);
}

// --- the Dockerfile ------------------------------------------------------------------------

const { stages, stageNamed, effectiveUser, imageEnvironment, command } = readDockerfile(
  readFileSync(fromRepo('Dockerfile'), 'utf8'),
);

// --- the checks ----------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    // The schema dclint ships (a copy of compose-spec's compose-spec.json); dclint's package
    // exports do not expose it, so it is read by path.
    const schema = JSON.parse(
      readFileSync(fromRepo('node_modules/dclint/schemas/compose.schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    // validateSchema off: the schema names draft-07 by an https address Ajv does not know it
    // by ("no schema with key or ref"); Ajv implements draft-07 itself, so nothing is lost.
    // Union types (`type: [string, number]`) are the spec's own; strictTypes would also log
    // its keywords that leave their type implicit.
    const ajv = new Ajv({
      allErrors: true,
      validateSchema: false,
      allowUnionTypes: true,
      strictTypes: false,
    });
    const validate = ajv.compile(schema);
    validate(compose);
    expect(ajv.errorsText(validate.errors, { separator: '\n' })).toBe('No errors');
  });

  it('passes dclint with the repository settings (.dclintrc), warnings included', () => {
    const lint = spawnSync(fromRepo('node_modules/.bin/dclint'), ['docker-compose.yml'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({
      status: 0,
      output: '',
    });
  });

  it('mounts only files and directories that exist, and named volumes it declares', () => {
    const problems = services.flatMap(([name, service]) =>
      (service.volumes ?? []).flatMap((volume) => {
        const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
        if (source === undefined) return [];
        if (/^[./~]/.test(source)) {
          return existsSync(fromRepo(source)) ? [] : [`${name}: ${source} does not exist`];
        }
        return compose.volumes && source in compose.volumes
          ? []
          : [`${name}: volume ${source} is not declared`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('builds from contexts, Dockerfiles and targets that exist', () => {
    const problems = services.flatMap(([name, service]) => {
      const build = buildOf(service);
      if (!build) return [];
      const context = fromRepo(build.context ?? '.');
      const dockerfile = join(context, build.dockerfile ?? 'Dockerfile');
      return [
        existsSync(context) ? [] : [`${name}: context ${build.context} does not exist`],
        existsSync(dockerfile) ? [] : [`${name}: ${dockerfile} does not exist`],
        build.target === undefined || stageNamed(build.target)
          ? []
          : [`${name}: the Dockerfile has no stage ${build.target}`],
      ].flat();
    });
    expect(problems).toEqual([]);
  });

  it('pins every image to a version', () => {
    const problems = services.flatMap(([name, { image }]) => {
      if (image === undefined) return [];
      const tag = /:([^/:@]+)$/.exec(image)?.[1];
      return tag === undefined || tag === 'latest' ? [`${name}: ${image}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('makes every dependency wait on a condition the other service can meet', () => {
    const problems = services.flatMap(([name, service]) =>
      dependencies(service).flatMap(([target, condition]) => {
        const other = compose.services[target];
        if (!other) return [`${name} depends on ${target}, which is not a service`];
        if (condition === undefined) return [`${name} -> ${target}: no condition`];
        if (condition === 'service_healthy' && !other.healthcheck?.test) {
          return [`${name} -> ${target}: waits for health, but ${target} has no healthcheck`];
        }
        if (condition === 'service_completed_successfully' && !isOneShot(other)) {
          return [`${name} -> ${target}: waits for completion, but ${target} is not a one-shot`];
        }
        return [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('health-checks every long-running service, or says why not', () => {
    const problems = services.flatMap(([name, service]) => {
      if (isOneShot(service)) return [];
      const checked = service.healthcheck?.test !== undefined && !service.healthcheck.disable;
      const exemption = service['x-healthcheck-exempt']?.trim() ?? '';
      if (checked && exemption !== '') return [`${name}: both a healthcheck and an exemption`];
      return checked || exemption !== '' ? [] : [`${name}: no healthcheck`];
    });
    expect(problems).toEqual([]);
  });

  it('gives every service a restart policy, and only migrate, seed and k6 are one-shots', () => {
    const problems = services.flatMap(([name, service]) =>
      service.restart === undefined ? [`${name}: no restart policy`] : [],
    );
    expect(problems).toEqual([]);
    const oneShots = services.filter(([, service]) => isOneShot(service)).map(([name]) => name);
    expect(oneShots.sort()).toEqual(['k6', 'migrate', 'seed']);
  });

  it('limits the CPU and memory of every service', () => {
    const problems = services.flatMap(([name, service]) => {
      const limits = service.deploy?.resources?.limits;
      return limits?.cpus !== undefined && limits.memory !== undefined ? [] : [name];
    });
    expect(problems).toEqual([]);
  });

  it('runs three api replicas and two workers', () => {
    expect(compose.services.api?.deploy?.replicas).toBe(3);
    expect(compose.services.worker?.deploy?.replicas).toBe(2);
  });

  it('keeps k6 and the demo data out of a plain `docker compose up` (profiles loadtest, demo)', () => {
    const profiled = services.filter(([, service]) => service.profiles !== undefined);
    expect(profiled.map(([name, service]) => [name, service.profiles])).toEqual([
      ['seed', ['demo', 'loadtest']],
      ['k6', ['loadtest']],
    ]);
    // A service every profile starts may wait for the seed only if it may be absent.
    const waiting = services.flatMap(([name, service]) =>
      service.profiles === undefined && 'seed' in (service.depends_on ?? {})
        ? [[name, (service.depends_on as Record<string, { required?: boolean }>).seed?.required]]
        : [],
    );
    expect(waiting).toEqual([['edge', false]]);
  });

  it('writes no secret: each password and JWT_SECRET is a required variable from .env', () => {
    expect(services.flatMap(([name, service]) => secretsWritten(name, service))).toEqual([]);
    expect(requiredVariables).toEqual([
      'CACHE_REDIS_PASSWORD',
      'GRAFANA_ADMIN_PASSWORD',
      'JWT_SECRET',
      'PGBOUNCER_STATS_PASSWORD',
      'POSTGRES_PASSWORD',
      'REDIS_PASSWORD',
      'REPLICATION_PASSWORD',
    ]);
    // No default anywhere for them, and no value ever published.
    expect(composeText).not.toMatch(/\$\{\w*(PASSWORD|SECRET)\w*:?-/);
    expect(PUBLISHED_JWT_SECRETS.filter((secret) => composeText.includes(secret))).toEqual([]);
  });

  it('when .env does not set the secrets, then compose refuses to start the api', () => {
    const api = compose.services.api;
    if (!api) throw new Error('no api service');
    expect(() => environmentOf(api, {})).toThrow(RequiredVariableError);
    const { JWT_SECRET: _withoutJwt, ...others } = generatedSecrets;
    expect(() => environmentOf(api, others)).toThrow(/^JWT_SECRET: /);
  });

  it('gives both Redis servers a password that every client URL and health check carries', () => {
    for (const [server, variable] of [
      ['redis', 'REDIS_PASSWORD'],
      ['redis-cache', 'CACHE_REDIS_PASSWORD'],
    ] as const) {
      const service = compose.services[server];
      const command = Array.isArray(service?.command) ? service.command : [];
      const password = generatedSecrets[variable];
      expect(
        command.map((word) => interpolate(word, generatedSecrets)),
        server,
      ).toContain(password);
      expect(environmentOf(service ?? {}).REDISCLI_AUTH, server).toBe(password);
    }
    const redisUrls = services.flatMap(([name, service]) =>
      Object.entries(environmentOf(service))
        .filter(([, value]) => value.startsWith('redis://'))
        .map(([key, value]) => `${name} ${key} ${new URL(value).password !== ''}`),
    );
    expect(redisUrls.length).toBeGreaterThan(0);
    expect(redisUrls.filter((line) => line.endsWith('false'))).toEqual([]);
  });

  it("gives PgBouncer's stats role a password of its own from .env, which only the exporter uses", () => {
    const pgbouncer = environmentOf(compose.services.pgbouncer ?? {});
    const exporter = environmentOf(compose.services['pgbouncer-exporter'] ?? {});
    const statsPassword = generatedSecrets.PGBOUNCER_STATS_PASSWORD;
    expect(statsPassword).toMatch(/^[0-9a-f]{64}$/);
    expect(statsPassword).not.toBe(generatedSecrets.POSTGRES_PASSWORD);
    expect(pgbouncer.PGBOUNCER_STATS_PASSWORD).toBe(statsPassword);
    expect(exporter.PGBOUNCER_ADMIN_URL).toBe(
      `postgresql://headroom_stats:${statsPassword}@pgbouncer:6432/pgbouncer`,
    );
    const users = services.filter(([, service]) =>
      JSON.stringify(service).includes('PGBOUNCER_STATS_PASSWORD'),
    );
    expect(users.map(([name]) => name).sort()).toEqual(['pgbouncer', 'pgbouncer-exporter']);
  });

  it('gives Grafana no anonymous access and an admin password from .env', () => {
    const environment = environmentOf(compose.services.grafana ?? {});
    expect(environment.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(environment.GF_SECURITY_ADMIN_PASSWORD).toBe(generatedSecrets.GRAFANA_ADMIN_PASSWORD);
  });

  it.each([
    ['api', ApiEnvSchema, loadApiConfig],
    ['worker', WorkerEnvSchema, loadWorkerConfig],
  ] as const)(
    'gives %s every variable its config schema requires, and values it accepts',
    (name, schema, load) => {
      const service = compose.services[name];
      const target = service && buildOf(service)?.target;
      if (!service || !target) throw new Error(`${name} is not built from a Dockerfile target`);
      const environment = { ...imageEnvironment(target), ...environmentOf(service) };

      const properties = schema.properties as Record<string, { default?: unknown }>;
      const required = (schema.required ?? []).filter(
        (key) => properties[key]?.default === undefined,
      );
      expect(required.length).toBeGreaterThan(0);
      expect(required.filter((key) => !environment[key])).toEqual([]);
      // The app's own loader: patterns, ranges and cross-field rules (one email transport...).
      expect(() => load(environment)).not.toThrow();
    },
  );

  it('lets Prometheus find every api and worker replica, each exporter, and itself, on its metrics port', () => {
    const prometheus = parse(readFileSync(fromRepo('infra/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const discovered = prometheus.scrape_configs.flatMap((job) =>
      (job.dns_sd_configs ?? []).flatMap(({ names, port }) =>
        names.map((host) => ({ host, port })),
      ),
    );
    expect(discovered.map(({ host }) => host).sort()).toEqual([
      'api',
      'pgbouncer-exporter',
      'postgres-exporter',
      'prometheus',
      'redis-cache-exporter',
      'redis-exporter',
      'worker',
    ]);
    expect(discovered.filter(({ host }) => !compose.services[host])).toEqual([]);
    const self = discovered.find(({ host }) => host === 'prometheus');
    // Prometheus listens on 9090 unless its command says otherwise.
    expect(JSON.stringify(compose.services.prometheus?.command)).not.toContain('listen-address');
    expect(self?.port).toBe(9090);
    for (const { host, port } of discovered.filter(({ host }) =>
      ['api', 'worker'].includes(host),
    )) {
      const service = compose.services[host];
      const target = service && buildOf(service)?.target;
      if (!service || !target) throw new Error(`${host} is not built from a Dockerfile target`);
      const environment = { ...imageEnvironment(target), ...environmentOf(service) };
      expect(environment.METRICS_PORT, host).toBe(String(port));
    }
  });
});

describe('docker-compose.yml and infra/topology/ports.txt', () => {
  it('publishes on the host exactly the ports the topology file gives compose, on 127.0.0.1 only', () => {
    const published = services.flatMap(([name, service]) =>
      (service.ports ?? []).map((entry) => {
        // "127.0.0.1:8080:8080" (address:host:container), or the long form.
        const [address, port] =
          typeof entry === 'string' ? entry.split(':') : [entry.host_ip, String(entry.published)];
        return { name, address, port: Number(port) };
      }),
    );
    expect(published.filter(({ address }) => address !== '127.0.0.1')).toEqual([]);
    const expected = readTopology().flatMap(({ name, ports }) =>
      ports.compose === undefined ? [] : [{ name, address: '127.0.0.1', port: ports.compose }],
    );
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(published.sort(byName)).toEqual(expected.sort(byName));
  });
});

describe('Dockerfile', () => {
  const targets = [
    ...new Set(services.flatMap(([, service]) => buildOf(service)?.target ?? [])),
  ].sort();

  it('builds every target compose names: api, worker, migrate, web, edge, lb, pgbouncer, pgbouncer-exporter', () => {
    expect(targets).toEqual([
      'api',
      'edge',
      'lb',
      'migrate',
      'pgbouncer',
      'pgbouncer-exporter',
      'web',
      'worker',
    ]);
  });

  it('runs every target as a user other than root', () => {
    const asRoot = targets.filter((target) => /^(root|0)(:|$)/.test(effectiveUser(target)));
    expect(asRoot).toEqual([]);
  });

  it('copies every workspace manifest before npm ci, or npm ci fails in the image', () => {
    const rootManifest = JSON.parse(readFileSync(fromRepo('package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const workspaceManifests = rootManifest.workspaces
      .flatMap((pattern) => {
        // A workspace named by its folder (load-tests), or every folder under one (apps/*).
        if (!pattern.endsWith('/*')) return [`${pattern}/package.json`];
        const parent = pattern.slice(0, -2);
        return readdirSync(fromRepo(parent))
          .filter((entry) => existsSync(fromRepo(`${parent}/${entry}/package.json`)))
          .map((entry) => `${parent}/${entry}/package.json`);
      })
      .sort();
    const copied = (stageNamed('manifests')?.instructions ?? [])
      .filter(({ keyword }) => keyword === 'COPY')
      .map(({ args }) => args.split(/\s+/)[0])
      .filter((source) => source?.endsWith('/package.json'))
      .sort();
    expect(copied).toEqual(workspaceManifests);
  });

  it('copies from the build context only files that exist', () => {
    const missing = stages.flatMap((stage) =>
      stage.instructions
        .filter(({ keyword, args }) => keyword === 'COPY' && !args.includes('--from='))
        .flatMap(({ args }) => {
          const paths = args.split(/\s+/).filter((word) => !word.startsWith('--'));
          return paths.slice(0, -1).filter((source) => !existsSync(fromRepo(source)));
        })
        .map((source) => `${stage.name}: ${source}`),
    );
    expect(missing).toEqual([]);
  });

  it.each(['api', 'worker'])(
    'starts %s the way its package.json start script does, from the repository root',
    (app) => {
      const manifest = JSON.parse(readFileSync(fromRepo(`apps/${app}/package.json`), 'utf8')) as {
        scripts: { start: string };
      };
      const fromRoot = manifest.scripts.start
        .split(/\s+/)
        .map((word) => (word.startsWith('src/') ? `apps/${app}/${word}` : word));
      expect(command(app)).toEqual(fromRoot);
    },
  );
});

describe('infra/compose scripts', () => {
  it('writes a random value to .env for every secret compose requires, keeping those set', () => {
    const root = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
    const envFile = join(root, '.env');
    const run = () =>
      spawnSync('bash', [fromRepo('infra/compose/secrets.sh')], {
        env: { ...process.env, ENV_FILE_PATH: envFile },
        encoding: 'utf8',
      });
    const read = () =>
      Object.fromEntries(
        readFileSync(envFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(/=(.*)/s).slice(0, 2)),
      ) as Record<string, string>;
    try {
      // Someone's own value, without a final newline, and one left empty.
      writeFileSync(envFile, 'JWT_SECRET=\nGRAFANA_ADMIN_PASSWORD=chosen-by-hand');
      expect(run().status).toBe(0);
      const first = read();
      expect(Object.keys(first).sort()).toEqual(requiredVariables);
      expect(first.GRAFANA_ADMIN_PASSWORD).toBe('chosen-by-hand');
      const generated = requiredVariables.filter((name) => name !== 'GRAFANA_ADMIN_PASSWORD');
      for (const name of generated) expect(first[name], name).toMatch(/^[0-9a-f]{64}$/);
      expect(new Set(generated.map((name) => first[name])).size).toBe(generated.length);

      expect(run().status).toBe(0);
      expect(read()).toEqual(first);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('renders PgBouncer with exactly the variables the template header lists', () => {
    const template = readFileSync(fromRepo('infra/pgbouncer/pgbouncer.ini.template'), 'utf8');
    const header = template
      .split('\n')
      .filter((line) => line.startsWith(';'))
      .join('\n');
    const listed = [...header.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]).sort();
    const used = [...new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]))];

    const entrypoint = readFileSync(fromRepo('infra/compose/pgbouncer/entrypoint.sh'), 'utf8');
    const declaration = /^VARIABLES=\(([^)]*)\)/m.exec(entrypoint)?.[1] ?? '';
    const substituted = declaration.split(/\s+/).filter(Boolean).sort();

    expect(substituted).toEqual(listed);
    expect(used.sort()).toEqual(listed);
  });

  it('drops the packages a lockfile marks devOptional, and the commands they leave behind', () => {
    const root = mkdtempSync(join(tmpdir(), 'drop-dev-optional-'));
    try {
      const packages = {
        '': { name: 'fixture' },
        'node_modules/tsx': {},
        'node_modules/@esbuild/linux-x64': { optional: true },
        'node_modules/prisma': { devOptional: true },
        'node_modules/@prisma/dev': { devOptional: true },
      };
      writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ packages }));
      for (const path of Object.keys(packages).filter(Boolean)) {
        mkdirSync(join(root, path), { recursive: true });
      }
      mkdirSync(join(root, 'node_modules/.bin'));
      writeFileSync(join(root, 'node_modules/tsx/cli.mjs'), '');
      symlinkSync('../tsx/cli.mjs', join(root, 'node_modules/.bin/tsx'));
      writeFileSync(join(root, 'node_modules/prisma/index.js'), '');
      symlinkSync('../prisma/index.js', join(root, 'node_modules/.bin/prisma'));

      expect(dropDevOptional(root)).toEqual({
        packages: ['node_modules/prisma', 'node_modules/@prisma/dev'],
        commands: ['prisma'],
      });
      expect(existsSync(join(root, 'node_modules/prisma'))).toBe(false);
      expect(existsSync(join(root, 'node_modules/@prisma/dev'))).toBe(false);
      expect(existsSync(join(root, 'node_modules/@esbuild/linux-x64'))).toBe(true);
      expect(existsSync(join(root, 'node_modules/.bin/tsx'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
