// infra/k8s checked offline: every overlay renders with Kustomize and every object is valid
// against the schemas of Kubernetes 1.36 (kubernetes-models 5.1.0) and of the CRDs it uses
// (KEDA and the Prometheus Operator from their kubernetes-models packages, CloudNativePG from
// infra/k8s/schemas/). Then what no schema sees: the manifests agree with the code they run
// (config schemas, ports, probes, queue names, Dockerfile targets, nginx templates), with each
// other (Service names and ports, namespaces, connection budgets), and with the house rules
// (restricted pods, resources, secrets only referenced, a NetworkPolicy for every component).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ApiEnvSchema, loadApiConfig } from '../../../apps/api/src/config.ts';
import { loadWorkerConfig, WorkerEnvSchema } from '../../../apps/worker/src/config.ts';
import { jobNames } from '../../../packages/jobs/src/contract.ts';
import { readDockerfile } from '../../compose/dockerfile.ts';
import {
  type Container,
  find,
  fromRepo,
  imageTarget,
  type K8sObject,
  type Overlay,
  overlays,
  referencedVariables,
  renderOverlay,
  resolvedEnvironment,
  type Workload,
  workload,
  workloads,
} from './rendered.ts';

const rendered = Object.fromEntries(
  overlays.map((overlay) => [overlay, renderOverlay(overlay)]),
) as Record<Overlay, K8sObject[]>;
const dockerfile = readDockerfile(readFileSync(fromRepo('Dockerfile'), 'utf8'));

/** Where each API group's models live (the package and the folder of its version). */
const MODEL_MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'gateway.networking.k8s.io/v1': '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1',
};

/** CloudNativePG's schemas, vendored (their $comment says from where and how far). */
const ajv = new Ajv({ allErrors: true, strict: false });
const cnpgValidators = Object.fromEntries(
  ['Cluster', 'Pooler'].map((kind) => [
    kind,
    ajv.compile(
      JSON.parse(
        readFileSync(
          fromRepo(`infra/k8s/schemas/postgresql.cnpg.io_v1_${kind.toLowerCase()}.json`),
          'utf8',
        ),
      ),
    ),
  ]),
);

async function schemaProblems(object: K8sObject): Promise<string[]> {
  const label = `${object.kind} ${object.metadata?.name}`;
  if (object.apiVersion === 'postgresql.cnpg.io/v1') {
    const validate = cnpgValidators[object.kind];
    if (!validate) return [`${label}: no schema for this CloudNativePG kind`];
    const problems = validate(object)
      ? []
      : [`${label}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`];
    if (object.kind === 'Pooler' && object.spec?.template) {
      // A precompiled Ajv function: its errors hang off it, as Ajv's own do.
      const { validate: validateTemplate } = (await import(
        'kubernetes-models/_schemas/IoK8sApiCoreV1PodTemplateSpec'
      )) as { validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } };
      if (!validateTemplate(object.spec.template)) {
        problems.push(`${label} template: ${ajv.errorsText(validateTemplate.errors)}`);
      }
    }
    return problems;
  }
  const module = MODEL_MODULES[object.apiVersion];
  if (!module) return [`${label}: no schema known for ${object.apiVersion}`];
  const models = await import(`${module}/${object.kind}`);
  try {
    new models[object.kind](object).validate();
    return [];
  } catch (error) {
    return [`${label}: ${(error as Error).message}`];
  }
}

// --- what the apps declare ---------------------------------------------------------------

type EnvSchema = typeof ApiEnvSchema | typeof WorkerEnvSchema;

const apps = {
  api: { schema: ApiEnvSchema, load: loadApiConfig },
  worker: { schema: WorkerEnvSchema, load: loadWorkerConfig },
} as const;

/** Variables the OpenTelemetry SDK reads itself (packages/telemetry configures nothing else). */
const isTelemetryVariable = (name: string) => name.startsWith('OTEL_');

/** Stand-ins for values kept in Secrets, each one its variable's schema accepts. */
const SECRET_PLACEHOLDERS: Record<string, string> = {
  DATABASE_PASSWORD: 'password-from-the-postgres-app-secret',
  // Generated: a fixed one would be a published secret the API refuses in production.
  JWT_SECRET: randomBytes(32).toString('hex'),
  REDIS_PASSWORD: 'password-of-the-queue-redis',
  CACHE_REDIS_PASSWORD: 'password-of-the-cache-redis',
  SMTP_URL: 'smtp://relay.example:587',
};

/** Keys of the Secret the user creates (README.md, "With Kubernetes"); CloudNativePG makes postgres-app. */
const USER_SECRET = 'headroom-app';
const OPERATOR_SECRETS = new Set(['postgres-app']);

function declared(schema: EnvSchema): Set<string> {
  return new Set(Object.keys(schema.properties));
}

function requiredWithoutDefault(schema: EnvSchema): string[] {
  const properties = schema.properties as Record<string, { default?: unknown }>;
  return (schema.required ?? []).filter((key) => properties[key]?.default === undefined);
}

/** A variable's value as the app runs: the manifest's, the image's ENV, or the schema default. */
function effective(
  schema: EnvSchema,
  environment: Record<string, string>,
  name: string,
): number | string | undefined {
  if (environment[name] !== undefined) return environment[name];
  const property = (schema.properties as Record<string, { default?: unknown }>)[name];
  return property?.default as number | string | undefined;
}

function appEnvironment(app: keyof typeof apps, container: Container) {
  const target = imageTarget(container.image);
  if (target !== app) throw new Error(`${app} runs image ${container.image}, not target ${app}`);
  return {
    ...dockerfile.imageEnvironment(app),
    ...resolvedEnvironment(container, SECRET_PLACEHOLDERS),
  };
}

const containerNamed = (item: Workload, name: string): Container => {
  const container = item.containers.find((candidate) => candidate.name === name);
  if (!container) throw new Error(`${item.object.metadata.name} has no container ${name}`);
  return container;
};

const port = (container: Container, name: string): number | undefined =>
  container.ports?.find((candidate: { name: string }) => candidate.name === name)?.containerPort;

// --- the checks ----------------------------------------------------------------------------

describe.each(overlays)('overlays/%s', (overlay) => {
  const objects = rendered[overlay];
  const namespace = find(objects, 'Namespace', 'headroom').metadata.name as string;
  const ours = workloads(objects);

  it('renders every object into the one namespace', () => {
    expect(objects.length).toBeGreaterThan(40);
    const elsewhere = objects
      .filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== namespace)
      .map((object) => `${object.kind} ${object.metadata.name}`);
    expect(elsewhere).toEqual([]);
  });

  it('validates every object against the Kubernetes 1.36 and CRD schemas', async () => {
    const problems = (await Promise.all(objects.map(schemaProblems))).flat();
    expect(problems).toEqual([]);
  });

  it.each(Object.keys(apps) as (keyof typeof apps)[])(
    'sets every variable %s requires, only variables its config schema declares, with values its loader accepts',
    (app) => {
      const { schema, load } = apps[app];
      const container = containerNamed(workload(objects, 'Deployment', app), app);
      const environment = appEnvironment(app, container);
      const helpers = referencedVariables(container);
      const names = (container.env ?? []).map((variable) => variable.name);

      const missing = requiredWithoutDefault(schema).filter((name) => !environment[name]);
      expect(missing, `required by apps/${app}/src/config.ts but not set`).toEqual([]);
      const unknown = names.filter(
        (name) => !declared(schema).has(name) && !isTelemetryVariable(name) && !helpers.has(name),
      );
      expect(
        unknown,
        `set in infra/k8s for ${app} but not declared in apps/${app}/src/config.ts (the app would ignore them)`,
      ).toEqual([]);
      // The app's own loader: types, patterns, ranges and cross-field rules (one email transport).
      expect(() => load(environment)).not.toThrow();
    },
  );

  it('runs each workload from the Dockerfile target named after it', () => {
    const expected: Record<string, string> = {
      'Deployment api': 'api',
      'Deployment worker': 'worker',
      'Deployment lb': 'lb',
      'Deployment web': 'web',
      'Deployment edge': 'edge',
      'Job migrate': 'migrate',
    };
    for (const [workloadName, target] of Object.entries(expected)) {
      const [kind = '', name = ''] = workloadName.split(' ');
      const item = workload(objects, kind, name);
      expect(item.containers.map((container) => imageTarget(container.image))).toEqual([target]);
    }
    const targets = ours.flatMap((item) =>
      [...item.initContainers, ...item.containers].flatMap((container) => {
        const target = imageTarget(container.image);
        return target === undefined ? [] : [target];
      }),
    );
    const missing = [...new Set(targets)].filter((target) => !dockerfile.stageNamed(target));
    expect(missing, 'images named after Dockerfile targets that do not exist').toEqual([]);
    // Every initContainer of ours waits for the migrations with the migrate image.
    const initImages = ours.flatMap((item) =>
      item.initContainers.map((container) => imageTarget(container.image)),
    );
    expect(new Set(initImages)).toEqual(new Set(['migrate']));
  });

  it('runs the migrations on the primary directly, never through PgBouncer', () => {
    const migrating = ours.flatMap((item) =>
      [...item.initContainers, ...item.containers].filter(
        (container) => imageTarget(container.image) === 'migrate',
      ),
    );
    expect(migrating.length).toBeGreaterThan(2);
    for (const container of migrating) {
      const url = new URL(resolvedEnvironment(container, SECRET_PLACEHOLDERS).DATABASE_URL ?? '');
      expect(url.hostname).toBe(`${find(objects, 'Cluster', 'postgres').metadata.name}-rw`);
    }
  });

  it('pins every third-party image to a version', () => {
    const loose = ours.flatMap((item) =>
      [...item.initContainers, ...item.containers]
        .map((container) => container.image ?? '')
        .filter((image) => {
          const tag = /:([^/:@]+)$/.exec(image)?.[1];
          return tag === undefined || tag === 'latest';
        }),
    );
    expect(loose).toEqual([]);
    expect(find(objects, 'Cluster', 'postgres').spec.imageName).toMatch(/:\d+/);
  });

  it('exposes the ports the apps listen on and probes the routes they serve', () => {
    const health = readFileSync(fromRepo('apps/api/src/plugins/health.ts'), 'utf8');
    const app = readFileSync(fromRepo('apps/api/src/app.ts'), 'utf8');
    const prefix = /\{ prefix: '([^']+)' \}/.exec(app)?.[1];
    const served = [...health.matchAll(/app\.get\(\s*'([^']+)'/g)].map(
      (match) => `${prefix}${match[1]}`,
    );
    expect(served).toEqual(['/api/healthz', '/api/readyz']);

    const api = containerNamed(workload(objects, 'Deployment', 'api'), 'api');
    const apiEnvironment = appEnvironment('api', api);
    expect(port(api, 'http')).toBe(Number(effective(ApiEnvSchema, apiEnvironment, 'PORT')));
    expect(port(api, 'metrics')).toBe(
      Number(effective(ApiEnvSchema, apiEnvironment, 'METRICS_PORT')),
    );
    expect(api.startupProbe.httpGet).toEqual({ path: '/api/healthz', port: 'http' });
    expect(api.livenessProbe.httpGet).toEqual({ path: '/api/healthz', port: 'http' });
    expect(api.readinessProbe.httpGet).toEqual({ path: '/api/readyz', port: 'http' });

    const worker = containerNamed(workload(objects, 'Deployment', 'worker'), 'worker');
    const workerEnvironment = appEnvironment('worker', worker);
    expect(port(worker, 'metrics')).toBe(
      Number(effective(WorkerEnvSchema, workerEnvironment, 'METRICS_PORT')),
    );
    expect(worker.startupProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });

    // Every probe names a port its container declares.
    for (const item of ours) {
      for (const container of item.containers) {
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          const probed = container[probe]?.httpGet?.port ?? container[probe]?.tcpSocket?.port;
          if (typeof probed === 'string') {
            expect(port(container, probed), `${container.name} ${probe}`).toBeDefined();
          }
        }
      }
    }
  });

  it('gives the API time to leave the load balancer and drain, and the worker time to finish its jobs', () => {
    const api = workload(objects, 'Deployment', 'api');
    const apiContainer = containerNamed(api, 'api');
    const preStop = apiContainer.lifecycle.preStop.sleep.seconds as number;
    const apiShutdown =
      Number(effective(ApiEnvSchema, appEnvironment('api', apiContainer), 'SHUTDOWN_TIMEOUT_MS')) /
      1000;
    const apiGrace = api.template.spec.terminationGracePeriodSeconds as number;
    // The load balancer re-resolves the replicas every `valid=` seconds: the sleep outlasts it.
    const lbServers = containerNamed(workload(objects, 'Deployment', 'lb'), 'nginx').env?.find(
      (variable) => variable.name === 'LB_API_SERVERS',
    )?.value;
    const resolveEvery = Number(/valid=(\d+)s/.exec(lbServers ?? '')?.[1]);
    expect(preStop).toBeGreaterThan(resolveEvery);
    expect(apiGrace).toBeGreaterThan(preStop + apiShutdown);

    const worker = workload(objects, 'Deployment', 'worker');
    const workerContainer = containerNamed(worker, 'worker');
    const workerShutdown =
      Number(
        effective(
          WorkerEnvSchema,
          appEnvironment('worker', workerContainer),
          'SHUTDOWN_TIMEOUT_MS',
        ),
      ) / 1000;
    expect(worker.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(workerShutdown);
  });

  it("scales the worker on BullMQ wait lists that exist, under the worker's QUEUE_PREFIX", () => {
    const worker = containerNamed(workload(objects, 'Deployment', 'worker'), 'worker');
    const prefix = effective(WorkerEnvSchema, appEnvironment('worker', worker), 'QUEUE_PREFIX');
    const scaled = find(objects, 'ScaledObject', 'worker');
    expect(scaled.spec.scaleTargetRef.name).toBe('worker');
    const workerVariables = new Set((worker.env ?? []).map((variable) => variable.name));
    const lists = scaled.spec.triggers.map(
      (trigger: { type: string; metadata: Record<string, string> & { listName: string } }) => {
        // Through the Sentinels, with the worker container's own variables, as the worker.
        expect(trigger.type).toBe('redis-sentinel');
        expect(trigger.metadata).toMatchObject({
          addressesFromEnv: 'REDIS_SENTINELS',
          sentinelMasterFromEnv: 'REDIS_SENTINEL_NAME',
          passwordFromEnv: 'REDIS_PASSWORD',
          sentinelPasswordFromEnv: 'REDIS_PASSWORD',
        });
        for (const [key, value] of Object.entries(trigger.metadata)) {
          if (key.endsWith('FromEnv')) expect(workerVariables, key).toContain(value);
        }
        return trigger.metadata.listName;
      },
    );
    const queueLists = jobNames.map((name) => `${prefix}:${name}:wait`);
    expect(lists.filter((list: string) => !queueLists.includes(list))).toEqual([]);
    expect(lists).toContain(`${prefix}:render-article:wait`);
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
  });

  it('points every in-cluster address at a Service, or a service the operators make, on its port', () => {
    const services = new Map<string, number[]>(
      objects
        .filter((object) => object.kind === 'Service')
        .map((service) => [
          service.metadata.name,
          service.spec.ports.map((entry: { port: number }) => entry.port),
        ]),
    );
    const cluster = find(objects, 'Cluster', 'postgres').metadata.name;
    for (const role of ['rw', 'ro', 'r']) services.set(`${cluster}-${role}`, [5432]);
    for (const pooler of objects.filter((object) => object.kind === 'Pooler')) {
      services.set(pooler.metadata.name, [5432]);
    }
    const addresses = ours.flatMap((item) =>
      [...item.initContainers, ...item.containers].flatMap((container) =>
        // Literal values only: a Secret's value (an SMTP relay) is the user's address.
        Object.entries(resolvedEnvironment(container, SECRET_PLACEHOLDERS)).flatMap(
          ([name, value]) => {
            const literal = container.env?.find((variable) => variable.name === name)?.value;
            if (literal === undefined) return [];
            const url = /^[a-z]+:\/\//.test(value) ? new URL(value) : undefined;
            return url?.port ? [`${url.hostname}:${url.port}`] : [];
          },
        ),
      ),
    );
    expect(addresses.length).toBeGreaterThan(10);
    const broken = [...new Set(addresses)].filter((address) => {
      const [host = '', portNumber] = address.split(':');
      const name = host.replace(new RegExp(`\\.${namespace}\\.svc\\.cluster\\.local$`), '');
      return (
        ['127.0.0.1', 'localhost'].includes(host) ||
        !services.get(name)?.includes(Number(portNumber))
      );
    });
    expect(broken).toEqual([]);
    // The images' own defaults name compose's services: the edge's upstreams exist here too.
    const edgeDefaults = dockerfile.imageEnvironment('edge');
    for (const upstream of [edgeDefaults.EDGE_ORIGIN_UPSTREAM, edgeDefaults.EDGE_API_UPSTREAM]) {
      const [host = '', portNumber] = (upstream ?? '').split(':');
      expect(services.get(host), upstream).toContain(Number(portNumber));
    }
  });

  it("points the apps at every Sentinel of the queues' Redis, under the name they monitor", () => {
    const set = workload(objects, 'StatefulSet', 'redis-queue');
    const sentinel = containerNamed(set, 'sentinel');
    const settings = resolvedEnvironment(sentinel, SECRET_PLACEHOLDERS);
    const headless = find(objects, 'Service', set.object.spec.serviceName);
    const sentinelPort = headless.spec.ports.find(
      (entry: { name: string }) => entry.name === 'sentinel',
    ).port;
    const pods = Array.from(
      { length: set.object.spec.replicas },
      (_, index) =>
        `${set.object.metadata.name}-${index}.${headless.metadata.name}:${sentinelPort}`,
    );
    expect(port(sentinel, 'sentinel')).toBe(sentinelPort);
    for (const app of Object.keys(apps) as (keyof typeof apps)[]) {
      const environment = appEnvironment(
        app,
        containerNamed(workload(objects, 'Deployment', app), app),
      );
      expect(environment.REDIS_SENTINELS?.split(','), app).toEqual(pods);
      expect(environment.REDIS_SENTINEL_NAME, app).toBe(settings.SENTINEL_MASTER);
      expect(environment.REDIS_URL, `${app}: one or the other`).toBeUndefined();
    }
  });

  it('writes full service names only with the namespace the objects are deployed into', () => {
    const text = JSON.stringify(objects);
    // The one name from elsewhere: the cluster's DNS, the load balancer's resolver.
    const namespaces = [...text.matchAll(/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local/g)]
      .filter((match) => `${match[1]}.${match[2]}` !== 'kube-dns.kube-system')
      .map((match) => match[2]);
    // The load balancer's upstream, at least (front.yaml).
    expect(namespaces.length).toBeGreaterThan(0);
    expect(new Set(namespaces)).toEqual(new Set([namespace]));
  });

  it('sets every variable the nginx templates read, through the image or the manifest', () => {
    for (const target of ['edge', 'web', 'lb']) {
      const template = readFileSync(fromRepo(nginxTemplate(target)), 'utf8');
      const read = new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1] ?? ''));
      const container = containerNamed(workload(objects, 'Deployment', target), 'nginx');
      const environment = {
        ...dockerfile.imageEnvironment(target),
        ...resolvedEnvironment(container, SECRET_PLACEHOLDERS),
      };
      expect(
        [...read].filter((name) => !environment[name]),
        target,
      ).toEqual([]);
    }
  });

  it('runs every pod of ours as a restricted pod, with resources and no API token', () => {
    const problems = ours.flatMap(({ object, template, containers, initContainers }) => {
      const where = `${object.kind} ${object.metadata.name}`;
      const pod = template.spec;
      const found: string[] = [];
      if (pod.securityContext?.runAsNonRoot !== true) found.push(`${where}: runAsNonRoot`);
      if (!(pod.securityContext?.runAsUser > 0)) found.push(`${where}: a numeric non-root user`);
      if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') {
        found.push(`${where}: seccomp RuntimeDefault`);
      }
      if (pod.automountServiceAccountToken !== false) found.push(`${where}: service account token`);
      // Service links inject <SERVICE>_PORT variables, e.g. REDIS_PORT for `redis`.
      if (pod.enableServiceLinks !== false) found.push(`${where}: enableServiceLinks`);
      for (const container of [...initContainers, ...containers]) {
        const context = container.securityContext ?? {};
        const name = `${where}/${container.name}`;
        if (context.allowPrivilegeEscalation !== false) found.push(`${name}: privilege escalation`);
        if (context.readOnlyRootFilesystem !== true) found.push(`${name}: read-only root`);
        if (JSON.stringify(context.capabilities?.drop) !== '["ALL"]') found.push(`${name}: caps`);
        for (const bound of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) {
            if (!container.resources?.[bound]?.[resource]) {
              found.push(`${name}: ${bound}.${resource}`);
            }
          }
        }
      }
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('keeps secrets out of the repository: only references, to Secrets an operator or the README makes', () => {
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const references = ours.flatMap((item) =>
      [...item.initContainers, ...item.containers].flatMap((container) =>
        (container.env ?? []).flatMap((variable) =>
          variable.valueFrom?.secretKeyRef ? [variable.valueFrom.secretKeyRef] : [],
        ),
      ),
    );
    const readme = readFileSync(fromRepo('README.md'), 'utf8');
    const problems = references.flatMap(({ name, key }) => {
      if (OPERATOR_SECRETS.has(name)) return [];
      if (name !== USER_SECRET) return [`${name}: no one makes this Secret`];
      return readme.includes(`--from-literal=${key}=`)
        ? []
        : [`${name}/${key}: README.md's kubectl create secret does not set it`];
    });
    expect(problems).toEqual([]);
  });

  it("keeps PgBouncer's pools, the migrations and the LISTEN sessions within max_connections", () => {
    const postgres = find(objects, 'Cluster', 'postgres');
    const maxConnections = Number(postgres.spec.postgresql.parameters.max_connections);
    const poolers = objects.filter((object) => object.kind === 'Pooler');
    expect(new Set(poolers.map((pooler) => JSON.stringify(pooler.spec.pgbouncer)))).toHaveProperty(
      'size',
      1,
    );
    const primaryPool = poolers
      .filter((pooler) => pooler.spec.type === 'rw')
      .reduce((sum, pooler) => {
        const { default_pool_size, reserve_pool_size } = pooler.spec.pgbouncer.parameters;
        return (
          sum + pooler.spec.instances * (Number(default_pool_size) + Number(reserve_pool_size))
        );
      }, 0);
    const apiMax = find(objects, 'HorizontalPodAutoscaler', 'api').spec.maxReplicas as number;
    const workerMax = find(objects, 'ScaledObject', 'worker').spec.maxReplicaCount as number;
    // Each starting api or worker pod migrates (a lock session and the engine's: 2); each
    // worker LISTENs on one; 10 for the operator's own sessions and a person's psql.
    const needed = primaryPool + 2 * (apiMax + workerMax) + workerMax + 10;
    expect(needed).toBeLessThanOrEqual(maxConnections);
  });

  it('keeps a PodDisruptionBudget for every workload that runs more than one pod', () => {
    const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget');
    const unguarded = ours
      .filter(({ object }) => object.kind !== 'Job')
      .filter(({ template }) => {
        const labels = template.metadata.labels as Record<string, string>;
        return !budgets.some((budget) =>
          Object.entries(budget.spec.selector.matchLabels as Record<string, string>).every(
            ([key, value]) => labels[key] === value,
          ),
        );
      })
      .map(({ object }) => object.metadata.name);
    // One pod on purpose: the cache (a restart costs misses) and the traces (in memory).
    expect(unguarded.sort()).toEqual(['jaeger', 'otel-collector', 'redis-cache']);
  });

  it('lets connections reach each pod of ours only along a NetworkPolicy, behind a default deny', () => {
    const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
    const denyAll = policies.find(
      (policy) => Object.keys(policy.spec.podSelector).length === 0 && !policy.spec.ingress,
    );
    expect(denyAll?.spec.policyTypes).toEqual(['Ingress']);
    const components = new Set(
      policies.flatMap(
        (policy) => policy.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] ?? [],
      ),
    );
    const listening = ours
      .filter(({ containers }) => containers.some((container) => container.ports?.length))
      .map(({ template }) => template.metadata.labels['app.kubernetes.io/name']);
    expect(listening.filter((name) => !components.has(name))).toEqual([]);
  });
});

describe('infra/k8s against the rest of the repository', () => {
  it("keeps the collector's config identical to compose's", () => {
    expect(readFileSync(fromRepo('infra/k8s/base/otel-collector-config.yaml'), 'utf8')).toBe(
      readFileSync(fromRepo('infra/otel-collector/config.yaml'), 'utf8'),
    );
  });

  it('renders the overlays differently where the capacity model says they differ', () => {
    const bounds = (overlay: Overlay) => {
      const { minReplicas, maxReplicas } = find(
        rendered[overlay],
        'HorizontalPodAutoscaler',
        'api',
      ).spec;
      return { minReplicas, maxReplicas };
    };
    // docs/deployment.md, "Sizing": 100 req/s and its 8x spike; 2,000 req/s and its 8x spike.
    expect(bounds('small')).toEqual({ minReplicas: 2, maxReplicas: 3 });
    expect(bounds('large')).toEqual({ minReplicas: 5, maxReplicas: 29 });
  });
});

/** The nginx template a Dockerfile target copies in (infra/nginx/<name>.template). */
function nginxTemplate(target: string): string {
  const copy = dockerfile
    .stageNamed(target)
    ?.instructions.find(({ keyword, args }) => keyword === 'COPY' && args.includes('.template'));
  const source = copy?.args.split(/\s+/)[0];
  if (!source) throw new Error(`target ${target} copies no nginx template`);
  return source;
}
