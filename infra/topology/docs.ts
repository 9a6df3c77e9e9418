// The docs' port tables, generated from infra/topology/ports.txt: a Markdown file holds one
// between the markers below, and `npm run topology:generate` rewrites it there. The test in
// infra/topology/test/ fails while a committed table differs from what the file gives, and
// when a doc (or a native script's comment) names a port on 127.0.0.1 that no part has.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { overrideVariable, readTopology, type TopologyPart } from './topology.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What regenerates the tables; the staleness test names it. */
export const TOPOLOGY_DOCS_COMMAND = 'npm run topology:generate';

const BEGIN = `<!-- ports table: generated from infra/topology/ports.txt by \`${TOPOLOGY_DOCS_COMMAND}\`; edit that file, not this table -->`;
const END = '<!-- end of the generated ports table -->';
const BLOCK = new RegExp(`${escapeRegExp(BEGIN)}\\n[\\s\\S]*?${escapeRegExp(END)}`, 'g');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function portCell(part: TopologyPart, column: keyof TopologyPart['ports']): string {
  const port = part.ports[column];
  if (port === undefined) return '-';
  return part.replicatedKind ? `${port}+N` : String(port);
}

/** One row per part: its port in each profile and in compose, and the variable that moves it. */
export function renderPortsTable(parts: TopologyPart[] = readTopology()): string {
  const rows = parts.map((part) =>
    [
      `\`${part.name}\``,
      portCell(part, 'stack'),
      portCell(part, 'test'),
      portCell(part, 'e2e'),
      portCell(part, 'compose'),
      part.variable ? `\`${overrideVariable('stack', part.variable)}\`` : '-',
      part.what,
    ].join(' | '),
  );
  return [
    '| part | stack | test | e2e | compose | moved by (stack profile) | what |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** Tracked files matching the pathspecs (`*.md`), relative to the repository. */
export function trackedFiles(...pathspecs: string[]): string[] {
  return execFileSync('git', ['ls-files', '-z', '--', ...pathspecs], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '');
}

/** Every tracked Markdown file, relative to the repository. */
export function markdownFiles(): string[] {
  return trackedFiles('*.md');
}

/** The file's text with every generated table as ports.txt gives it now; unchanged without one. */
export function withCurrentTables(text: string, table: string = renderPortsTable()): string {
  return text.replace(BLOCK, `${BEGIN}\n${table}\n${END}`);
}

/** The tracked Markdown files holding a generated table, with their text as it should be. */
export function regeneratedDocs(): { file: string; committed: string; current: string }[] {
  const table = renderPortsTable();
  return markdownFiles().flatMap((file) => {
    let committed: string;
    try {
      committed = readFileSync(join(REPO_ROOT, file), 'utf8');
    } catch {
      return []; // deleted in the working tree
    }
    if (!committed.includes(BEGIN)) return [];
    return [{ file, committed, current: withCurrentTables(committed, table) }];
  });
}

/**
 * Ports a text names on this machine: `127.0.0.1:8080`, `localhost:8025`, or a bare `:16432`.
 * `redis:6379` is a port inside compose's network, not one here, and is not taken.
 */
export function portMentions(text: string): { line: number; port: number }[] {
  const mention = /(?:127\.0\.0\.1|localhost|(?<![\w.\-/])):(\d{4,5})(?!\d)/g;
  return text
    .split('\n')
    .flatMap((line, index) =>
      [...line.matchAll(mention)].map((match) => ({ line: index + 1, port: Number(match[1]) })),
    );
}

/** Every port some part has, in any profile or in compose; replicated parts for up to 16 replicas. */
export function knownPorts(parts: TopologyPart[] = readTopology()): Set<number> {
  const known = new Set<number>();
  for (const part of parts) {
    for (const port of Object.values(part.ports)) {
      known.add(port);
      if (part.replicatedKind) {
        for (let replica = 1; replica <= 16; replica++) known.add(port + replica);
      }
    }
  }
  return known;
}
