// The Dockerfile read as data, for the tests that hold it against docker-compose.yml
// (infra/compose/test) and the Kubernetes manifests (infra/k8s/test): its stages in order, and
// what a target inherits along its FROM chain (user, environment, command).

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Instructions in order, continuation lines joined, comments and parser directives dropped. */
export function parseDockerfile(text: string): Stage[] {
  const logicalLines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: Stage[] = [];
  for (const line of logicalLines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from?.[1]) throw new Error(`Dockerfile: cannot read "${line}"`);
      stages.push({ name: from[2] ?? `#${stages.length}`, base: from[1], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** A parsed Dockerfile and what each of its targets inherits. */
export function readDockerfile(text: string) {
  const stages = parseDockerfile(text);
  const stageNamed = (name: string) => stages.find((stage) => stage.name === name);

  /** A target's stage and the stages it is built FROM, nearest first. */
  function lineage(target: string): Stage[] {
    const chain: Stage[] = [];
    for (let stage = stageNamed(target); stage; stage = stageNamed(stage.base)) chain.push(stage);
    return chain;
  }

  /** The user a target runs as: the last USER along its lineage; base images start as root. */
  function effectiveUser(target: string): string {
    for (const stage of lineage(target)) {
      const user = stage.instructions.findLast((instruction) => instruction.keyword === 'USER');
      if (user) return user.args;
    }
    return 'root';
  }

  /** ENV instructions along a target's lineage, later ones winning (NAME=value pairs only). */
  function imageEnvironment(target: string): Record<string, string> {
    const environment: Record<string, string> = {};
    for (const stage of lineage(target).reverse()) {
      for (const { keyword, args } of stage.instructions) {
        if (keyword !== 'ENV') continue;
        for (const pair of args.matchAll(/(\w+)=("[^"]*"|\S*)/g)) {
          environment[pair[1] ?? ''] = (pair[2] ?? '').replace(/^"(.*)"$/, '$1');
        }
      }
    }
    return environment;
  }

  /** The exec-form CMD a target inherits or sets. */
  function command(target: string): string[] | undefined {
    for (const stage of lineage(target)) {
      const cmd = stage.instructions.findLast((instruction) => instruction.keyword === 'CMD');
      if (cmd) return JSON.parse(cmd.args) as string[];
    }
    return undefined;
  }

  return { stages, stageNamed, lineage, effectiveUser, imageEnvironment, command };
}
