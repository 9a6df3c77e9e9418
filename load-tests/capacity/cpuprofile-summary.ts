// `npx tsx load-tests/capacity/cpuprofile-summary.ts <file.cpuprofile> [--top N] [--json FILE]`:
// where a Node process spent its CPU, from a V8 CPU profile (node --cpu-prof, or the inspector's
// Profiler as profile-endpoint.ts takes it): busy time per component (logging, Fastify, Prisma,
// pg, Node's HTTP stack, GC...), then the top functions by self time (spent in the function
// itself) and by inclusive time (the function and everything it called). docs/capacity.md
// quotes the output for the slowest endpoint.
// Entry file: arguments are read here; the arithmetic is summarizeProfile().
import { readFile, writeFile } from 'node:fs/promises';
import { numberArgument, parseCommandLine, usageError } from '../cli.ts';
import { markdownTable } from '../results.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** The .cpuprofile format: a call tree, and one sample (a leaf node id) per tick with its delta. */
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Categories, first match wins: what a reader needs to know about a frame's code. */
const CATEGORIES: { name: string; library?: true; test: (frame: CallFrame) => boolean }[] = [
  { name: 'idle (waiting for I/O)', test: (f) => f.functionName === '(idle)' },
  { name: 'garbage collection', test: (f) => f.functionName === '(garbage collector)' },
  {
    name: 'native, outside JavaScript ((program))',
    test: (f) => f.functionName === '(program)',
  },
  {
    name: 'request logging (pino)',
    library: true,
    test: (f) =>
      /node_modules\/(pino|pino-std-serializers|sonic-boom|fast-redact|@pinojs)\//.test(f.url),
  },
  {
    name: 'Prisma query compiler (WebAssembly)',
    library: true,
    test: (f) => f.url.startsWith('wasm://') || /query_compiler/.test(f.url),
  },
  {
    name: 'Prisma client runtime (query plan interpreter, result mapping)',
    library: true,
    test: (f) =>
      /node_modules\/(@prisma\/client|@prisma\/client-runtime-utils|@prisma\/query-plan-executor|@prisma\/driver-adapter-utils)\//.test(
        f.url,
      ) || /packages\/db\/src\/generated\//.test(f.url),
  },
  {
    name: 'Prisma pg adapter',
    library: true,
    test: (f) => /node_modules\/@prisma\/adapter-pg\//.test(f.url),
  },
  {
    name: 'pg driver and protocol',
    library: true,
    test: (f) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//.test(f.url),
  },
  {
    name: 'response serialization (fast-json-stringify)',
    library: true,
    test: (f) => /node_modules\/fast-json-stringify\//.test(f.url),
  },
  {
    name: 'JSON.stringify / JSON.parse (V8 built-ins)',
    test: (f) => f.url === '' && /^(stringify|parse|JSONStringify|JSONParse)$/.test(f.functionName),
  },
  {
    name: 'Fastify (routing, hooks, reply, validation)',
    library: true,
    test: (f) =>
      /node_modules\/(fastify|@fastify\/[^/]+|find-my-way|avvio|light-my-request|fast-querystring|fastify-plugin|toad-cache|secure-json-parse|abstract-logging|process-warning|rfdc|fast-decode-uri-component|ret|safe-regex2)\//.test(
        f.url,
      ),
  },
  { name: 'TypeBox validation', library: true, test: (f) => /node_modules\/typebox\//.test(f.url) },
  {
    name: 'Redis client (ioredis)',
    library: true,
    test: (f) => /node_modules\/(ioredis|@ioredis|redis-parser|denque)\//.test(f.url),
  },
  {
    name: 'metrics (prom-client)',
    library: true,
    test: (f) => /node_modules\/(prom-client|tdigest|bintrees)\//.test(f.url),
  },
  {
    name: 'OpenTelemetry',
    library: true,
    test: (f) => /node_modules\/@opentelemetry\//.test(f.url),
  },
  {
    name: 'tsx (TypeScript loader)',
    library: true,
    test: (f) => /node_modules\/(tsx|esbuild|get-tsconfig)\//.test(f.url),
  },
  {
    name: 'the API and its packages',
    library: true,
    test: (f) => /\/(apps|packages)\/[^/]+\/src\//.test(f.url),
  },
  { name: 'other dependencies', library: true, test: (f) => /node_modules\//.test(f.url) },
  {
    name: "Node's core (http, net, streams, timers)",
    test: (f) =>
      f.url.startsWith('node:') || f.url.startsWith('internal/') || /^[a-z_]+\.js$/.test(f.url),
  },
  { name: 'V8 built-ins and other native frames', test: () => true },
];

function categoryOf(frame: CallFrame): { name: string; library: boolean } {
  const category = CATEGORIES.find((candidate) => candidate.test(frame))!;
  return { name: category.name, library: category.library === true };
}

function frameKey(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  const where = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
  const file = where.replace(/^.*\/(apps|packages)\//, '$1/');
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

interface Row {
  name: string;
  category: string;
  ms: number;
  percent: number;
}

interface ProfileSummary {
  durationMs: number;
  /** Time the thread was busy (everything but idle). */
  busyMs: number;
  /** Each sample to the category of the code running at that instant (the leaf frame). */
  categories: { name: string; ms: number; percentOfBusy: number }[];
  /**
   * Each sample to the first library or app frame on its stack, so that a socket write or a
   * JSON.stringify counts for the component that asked for it (pg sending a query, pino
   * writing a line); what Node does with no library above it (parsing an incoming request)
   * stays Node's.
   */
  components: { name: string; ms: number; percentOfBusy: number }[];
  self: Row[];
  inclusive: Row[];
}

function summarizeProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const categories = new Map<string, number>();
  const components = new Map<string, number>();
  const categoryOfKey = new Map<string, string>();
  let total = 0;
  let idle = 0;
  // The first delta is the time before the first sample; each later delta belongs to the
  // sample it precedes, as Chrome DevTools counts them.
  profile.samples.forEach((nodeId, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const leaf = byId.get(nodeId);
    if (leaf === undefined) return;
    total += ms;
    const leafKey = frameKey(leaf.callFrame);
    const leafCategory = categoryOf(leaf.callFrame).name;
    if (leaf.callFrame.functionName === '(idle)') idle += ms;
    categoryOfKey.set(leafKey, leafCategory);
    self.set(leafKey, (self.get(leafKey) ?? 0) + ms);
    categories.set(leafCategory, (categories.get(leafCategory) ?? 0) + ms);
    let component: string | undefined;
    const seen = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id)!;
      if (node.callFrame.functionName === '(root)') break;
      const category = categoryOf(node.callFrame);
      if (component === undefined && category.library) component = category.name;
      const key = frameKey(node.callFrame);
      if (seen.has(key)) continue; // recursion counts once per sample
      seen.add(key);
      categoryOfKey.set(key, category.name);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    }
    component ??= leafCategory;
    components.set(component, (components.get(component) ?? 0) + ms);
  });
  const busy = total - idle;
  const round = (value: number) => Math.round(value * 10) / 10;
  const shares = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([name]) => !name.startsWith('idle'))
      .sort(([, a], [, b]) => b - a)
      .map(([name, ms]) => ({ name, ms: round(ms), percentOfBusy: round((ms / busy) * 100) }));
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([key]) => key !== '(idle)')
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, ms]) => ({
        name,
        category: categoryOfKey.get(name) ?? '',
        ms: round(ms),
        percent: round((ms / busy) * 100),
      }));
  return {
    durationMs: round((profile.endTime - profile.startTime) / 1000),
    busyMs: round(busy),
    categories: shares(categories),
    components: shares(components),
    self: rows(self),
    inclusive: rows(inclusive),
  };
}

function table(title: string, header: string[], lines: string[][]): string {
  return `### ${title}\n\n${markdownTable(header, lines)}`;
}

const USAGE =
  'usage: npx tsx load-tests/capacity/cpuprofile-summary.ts <file.cpuprofile> [--top N] [--json FILE]';

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' }, json: { type: 'string' } },
});
if (positionals.length !== 1) {
  usageError(USAGE);
}
const top = numberArgument(USAGE, '--top', values.top, { integer: true });
const profile = JSON.parse(await readFile(positionals[0]!, 'utf8')) as CpuProfile;
const summary = summarizeProfile(profile, top);
console.log(
  `${positionals[0]}: ${summary.durationMs} ms profiled, ${summary.busyMs} ms busy (${Math.round((summary.busyMs / summary.durationMs) * 100)}%)\n`,
);
console.log(
  table(
    'Busy time by component (each sample to the first library or app frame on its stack)',
    ['component', 'ms', '% of busy'],
    summary.components.map((row) => [row.name, String(row.ms), `${row.percentOfBusy}%`]),
  ),
);
console.log(
  `\n${table(
    'Busy time by the code running at the sample (the leaf frame)',
    ['category', 'ms', '% of busy'],
    summary.categories.map((row) => [row.name, String(row.ms), `${row.percentOfBusy}%`]),
  )}`,
);
for (const [title, rows] of [
  ['Top functions by self time', summary.self],
  ['Top functions by inclusive time (with what they call)', summary.inclusive],
] as const) {
  console.log(
    `\n${table(
      title,
      ['function (file:line)', 'category', 'ms', '% of busy'],
      rows.map((row) => [`\`${row.name}\``, row.category, String(row.ms), `${row.percent}%`]),
    )}`,
  );
}
if (values.json) {
  await writeFile(values.json, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\nsummary: ${values.json}`);
}
