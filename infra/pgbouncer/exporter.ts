// PgBouncer's pools as Prometheus metrics, read from its admin console (SHOW POOLS, SHOW
// DATABASES) at every scrape, as the stats role `headroom_stats` (stats_users in
// pgbouncer.ini.template). The same program runs natively (stack.sh) and in compose (the
// Dockerfile's pgbouncer-exporter target), so the dashboard and the alerts read the same names
// in both. Why not an exporter from Debian: docs/observability.md ("Exporters").
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/** A scrape that cannot reach PgBouncer fails fast: Prometheus' own timeout is 10 s. */
const ADMIN_CONNECT_TIMEOUT_MS = 3_000;

/** A row of SHOW POOLS or SHOW DATABASES: PgBouncer sends every value as text. */
type AdminRow = Record<string, string | null>;

interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  help: string;
  samples: Sample[];
}

// PgBouncer's own database, the admin console: it pools nothing.
const ADMIN_DATABASE = 'pgbouncer';

/** SHOW POOLS' client columns, by the state label they get. */
const CLIENT_STATES = { active: 'cl_active', waiting: 'cl_waiting' } as const;
/** SHOW POOLS' server columns (PgBouncer's docs, "SHOW POOLS"), by the state label they get. */
const SERVER_STATES = {
  active: 'sv_active',
  idle: 'sv_idle',
  used: 'sv_used',
  tested: 'sv_tested',
  login: 'sv_login',
} as const;

function numberIn(row: AdminRow, column: string): number {
  const value = Number(row[column]);
  if (row[column] === null || row[column] === undefined || Number.isNaN(value)) {
    throw new Error(`PgBouncer's admin console sent no number in column ${column}`);
  }
  return value;
}

/** The metric families of one scrape, from the rows of SHOW POOLS and SHOW DATABASES. */
export function poolFamilies(pools: AdminRow[], databases: AdminRow[]): Family[] {
  const poolRows = pools.filter((row) => row.database !== ADMIN_DATABASE);
  const databaseRows = databases.filter((row) => row.name !== ADMIN_DATABASE);
  const poolLabels = (row: AdminRow) => ({ database: row.database ?? '', user: row.user ?? '' });
  const perState = (states: Record<string, string>) =>
    poolRows.flatMap((row) =>
      Object.entries(states).map(([state, column]) => ({
        labels: { ...poolLabels(row), state },
        value: numberIn(row, column),
      })),
    );
  return [
    {
      name: 'pgbouncer_pools_client_connections',
      help: 'Client connections per pool: active (linked to a server or idle), waiting (sent a query, no server yet)',
      samples: perState(CLIENT_STATES),
    },
    {
      name: 'pgbouncer_pools_client_maxwait_seconds',
      help: 'How long the oldest waiting client of the pool has waited for a server',
      samples: poolRows.map((row) => ({
        labels: poolLabels(row),
        value: numberIn(row, 'maxwait') + numberIn(row, 'maxwait_us') / 1_000_000,
      })),
    },
    {
      name: 'pgbouncer_pools_server_connections',
      help: 'Server connections per pool and state: active (lent to a client), idle, used (to be checked), tested, login',
      samples: perState(SERVER_STATES),
    },
    {
      name: 'pgbouncer_databases_pool_size',
      help: 'Server connections a pool may hold (default_pool_size unless the database sets one)',
      samples: databaseRows.map((row) => ({
        labels: { database: row.name ?? '' },
        value: numberIn(row, 'pool_size'),
      })),
    },
    {
      name: 'pgbouncer_databases_reserve_pool',
      help: 'Server connections a pool may add when a client has waited reserve_pool_timeout',
      samples: databaseRows.map((row) => ({
        labels: { database: row.name ?? '' },
        value: numberIn(row, 'reserve_pool'),
      })),
    },
  ];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus' text exposition format (version 0.0.4). */
export function exposition(families: Family[]): string {
  return families
    .map(({ name, help, samples }) => {
      const lines = samples.map(({ labels, value }) => {
        const pairs = Object.entries(labels).map(([key, text]) => `${key}="${escapeLabel(text)}"`);
        return pairs.length === 0 ? `${name} ${value}` : `${name}{${pairs.join(',')}} ${value}`;
      });
      return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines].join('\n');
    })
    .join('\n')
    .concat('\n');
}

/**
 * One connection per scrape: PgBouncer restarts (a stack restart, a config reload) never leave
 * the exporter holding a dead session, and a scrape every 5 s costs one login.
 */
async function scrape(adminUrl: string): Promise<Family[]> {
  const client = new pg.Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: ADMIN_CONNECT_TIMEOUT_MS,
  });
  await client.connect();
  try {
    // Text without parameters goes as a simple query, the only protocol the console speaks.
    const pools = await client.query<AdminRow>('SHOW POOLS');
    const databases = await client.query<AdminRow>('SHOW DATABASES');
    return poolFamilies(pools.rows, databases.rows);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function upFamily(value: 0 | 1): Family {
  return {
    name: 'pgbouncer_up',
    help: "Whether PgBouncer's admin console answered this scrape",
    samples: [{ labels: {}, value }],
  };
}

export interface PgBouncerExporter {
  url: string;
  close: () => Promise<void>;
}

/**
 * Serves GET /metrics on `host`:`port` (0: a free port). `pgbouncer_up` says whether the admin
 * console answered; when it did not, the pool metrics are absent rather than stale.
 */
export async function startPgBouncerExporter(options: {
  adminUrl: string;
  host: string;
  port: number;
  onScrapeError?: (error: Error) => void;
}): Promise<PgBouncerExporter> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    void scrape(options.adminUrl)
      .then(
        (families) => [upFamily(1), ...families],
        (error: Error) => {
          options.onScrapeError?.(error);
          return [upFamily(0)];
        },
      )
      .then((families) => {
        response
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
          .end(exposition(families));
      });
  });
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
