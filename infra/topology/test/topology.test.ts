// infra/topology/ports.txt is the one description of the topology's parts and ports: the docs'
// tables are generated from it and must be regenerated with it, a port a doc or a native script names
// must be one some part has, and a part both topologies publish is on the same port in each. The native
// scripts' listings are held to it in infra/native/test/ports.test.ts, compose's published
// ports in infra/compose/test/compose.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  knownPorts,
  portMentions,
  REPO_ROOT,
  regeneratedDocs,
  TOPOLOGY_DOCS_COMMAND,
  trackedFiles,
} from '../docs.ts';
import { readTopology, topologyPort } from '../topology.ts';

/** Ports docs and scripts may name that are no part's on this machine, and why. */
const PORTS_THAT_ARE_NO_PART = new Map([
  [13133, "Jaeger's health check extension, inside its container (docs/deployment.md)"],
  [
    55432,
    "the stack Postgres' port before every port moved below the ephemeral range (infra/native/README.md and lib.sh tell why)",
  ],
]);

/** Records of past runs: they quote the ports of their day. */
const HISTORICAL = /^load-tests\/results\//;

describe('infra/topology/ports.txt', () => {
  it('when ports.txt changes, then every generated ports table in the docs still matches it', () => {
    const docs = regeneratedDocs();
    expect(docs.map(({ file }) => file)).toContain('infra/native/README.md');
    const stale = docs
      .filter(({ committed, current }) => committed !== current)
      .map(({ file }) => file);
    expect(
      stale,
      `stale ports tables: run \`${TOPOLOGY_DOCS_COMMAND}\` and commit the result`,
    ).toEqual([]);
  });

  it('when a doc or a native script names a port on this machine, then some part of the topology has it', () => {
    const known = knownPorts();
    // The native scripts' comments draw the topology with its ports (stack.sh's header).
    const unknown = trackedFiles('*.md', 'infra/native/*.sh')
      .filter((file) => !HISTORICAL.test(file))
      .flatMap((file) => {
        let text: string;
        try {
          text = readFileSync(join(REPO_ROOT, file), 'utf8');
        } catch {
          return []; // deleted in the working tree
        }
        return portMentions(text)
          .filter(({ port }) => !known.has(port) && !PORTS_THAT_ARE_NO_PART.has(port))
          .map(({ line, port }) => `${file}:${line} :${port}`);
      });
    expect(
      unknown,
      'ports no part has: add the part to infra/topology/ports.txt, or correct the doc',
    ).toEqual([]);
  });

  it('when compose and the native stack both publish a part, then on the same port, so one URL serves either', () => {
    const differ = readTopology()
      .filter(({ ports }) => ports.compose !== undefined && ports.stack !== undefined)
      .filter(({ ports }) => ports.compose !== ports.stack)
      .map(({ name, ports }) => `${name}: stack ${ports.stack}, compose ${ports.compose}`);
    expect(differ).toEqual([]);
  });

  it('when a line does not fit the header, then reading the file says which line and why', () => {
    const header = 'part started-by variable stack test e2e compose what';
    expect(() => readTopology(`${header}\nedge stack.sh EDGE_PORT 8080 - x - the edge`)).toThrow(
      /:2: e2e is x, expected a port number or -/,
    );
    expect(() => readTopology(`${header}\nedge nginx.sh EDGE_PORT 8080 - - - the edge`)).toThrow(
      /:2: started-by is nginx.sh/,
    );
    expect(() => readTopology(`${header}\nedge stack.sh edge-port 8080 - - - the edge`)).toThrow(
      /:2: variable is edge-port/,
    );
    expect(() =>
      readTopology(`${header}\nedge stack.sh A 1 - - - the edge\nedge stack.sh B 2 - - - again`),
    ).toThrow(/:3: edge is listed twice/);
    expect(() => readTopology('part port what\nedge 8080 the edge')).toThrow(/the header must be/);
  });

  it('when a port is overridden, then the TypeScript reader moves it as the scripts do', () => {
    expect(topologyPort('e2e', 'edge', {})).toBe(18080);
    expect(
      topologyPort('e2e', 'edge', { HEADROOM_EDGE_PORT: '1', HEADROOM_E2E_EDGE_PORT: '2' }),
    ).toBe(2);
    expect(topologyPort('stack', 'api-N', { HEADROOM_API_BASE_PORT: '4000' }, 2)).toBe(4002);
    expect(() => topologyPort('test', 'edge', {})).toThrow(/the test profile has no part edge/);
  });
});
