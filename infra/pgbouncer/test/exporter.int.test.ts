// The PgBouncer exporter (infra/pgbouncer/exporter.ts) against a real PgBouncer rendered from
// the deployment's template, in front of a real Postgres: what it reads as the stats role, a
// client left waiting when every server connection is lent out, and the console closed to the
// apps' role (issue 9's secure default, kept with a stats role beside it).
import { randomBytes } from 'node:crypto';
import { type PrivatePgBouncer, startPrivatePgBouncer } from '@headroom/testing/pgbouncer';
import { type PrivatePostgres, startPrivatePrimary } from '@headroom/testing/postgres-replica';
import { freePort } from '@headroom/testing/processes';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgBouncerExporter, startPgBouncerExporter } from '../exporter.ts';

/** pgbouncer.ini.template: default_pool_size 40 and reserve_pool_size 10 per database and user. */
const POOL_SIZE = 40;
const RESERVE_POOL = 10;

let postgres: PrivatePostgres;
let pgbouncer: PrivatePgBouncer;
let exporter: PgBouncerExporter;
const clients: pg.Client[] = [];

/** The samples of one scrape, as `name{labels}` -> value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const samples = (await response.text())
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.lastIndexOf(' ');
      return [line.slice(0, at), Number(line.slice(at + 1))] as const;
    });
  return new Map(samples);
}

async function connectedClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: pgbouncer.url });
  clients.push(client);
  await client.connect();
  return client;
}

beforeAll(async () => {
  postgres = await startPrivatePrimary();
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('CREATE DATABASE headroom');
  await admin.end();
  const { username, password } = new URL(postgres.url);
  pgbouncer = await startPrivatePgBouncer({
    postgresPort: postgres.port,
    user: decodeURIComponent(username),
    password: decodeURIComponent(password),
    statsPassword: randomBytes(16).toString('hex'),
  });
  exporter = await startPgBouncerExporter({
    adminUrl: pgbouncer.adminUrl ?? '',
    host: '127.0.0.1',
    port: 0,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  await exporter?.close();
  await pgbouncer?.remove();
  await postgres?.remove();
});

describe('the PgBouncer exporter', () => {
  it("when an app's client has run a query, then its pool is exported with the pool size, and PgBouncer's console is not", async () => {
    const client = await connectedClient();
    await client.query('SELECT 1');

    const samples = await scrape(exporter.url);
    expect(samples.get('pgbouncer_up')).toBe(1);
    const pool = 'database="headroom",user="headroom"';
    expect(samples.get(`pgbouncer_pools_client_connections{${pool},state="active"}`)).toBe(1);
    expect(samples.get(`pgbouncer_pools_client_connections{${pool},state="waiting"}`)).toBe(0);
    expect(samples.get(`pgbouncer_pools_client_maxwait_seconds{${pool}}`)).toBe(0);
    expect(samples.get(`pgbouncer_pools_server_connections{${pool},state="idle"}`)).toBe(1);
    expect(samples.get('pgbouncer_databases_pool_size{database="headroom"}')).toBe(POOL_SIZE);
    expect(samples.get('pgbouncer_databases_reserve_pool{database="headroom"}')).toBe(RESERVE_POOL);
    expect([...samples.keys()].filter((name) => name.includes('"pgbouncer"'))).toEqual([]);
  });

  it('when every server connection is lent out, then the next client is exported waiting, with its wait', async () => {
    // Transaction pooling: a client holds a server connection from BEGIN to COMMIT. The pool
    // and its reserve all held, the next query has to wait (up to query_wait_timeout, 10 s).
    const holders = await Promise.all(
      Array.from({ length: POOL_SIZE + RESERVE_POOL }, () => connectedClient()),
    );
    await Promise.all(holders.map((holder) => holder.query('BEGIN; SELECT 1')));
    const waiter = await connectedClient();
    const waited = waiter.query('SELECT 1 AS served');

    const pool = 'database="headroom",user="headroom"';
    let samples = new Map<string, number>();
    await expect
      .poll(async () => {
        samples = await scrape(exporter.url);
        return samples.get(`pgbouncer_pools_client_maxwait_seconds{${pool}}`);
      })
      .toBeGreaterThan(0.2);
    expect(samples.get(`pgbouncer_pools_client_connections{${pool},state="waiting"}`)).toBe(1);
    expect(samples.get(`pgbouncer_pools_server_connections{${pool},state="active"}`)).toBe(
      POOL_SIZE + RESERVE_POOL,
    );

    await Promise.all(holders.map((holder) => holder.query('COMMIT')));
    expect((await waited).rows).toEqual([{ served: 1 }]);
  });

  it("when the apps' role asks for PgBouncer's console, then PgBouncer refuses it", async () => {
    const adminConsole = new pg.Client({
      connectionString: pgbouncer.url.replace(/\/headroom$/, '/pgbouncer'),
    });
    await expect(
      adminConsole.connect().then(() => adminConsole.query('SHOW POOLS')),
    ).rejects.toThrow(/not allowed/);
    await adminConsole.end().catch(() => undefined);
  });

  it('when PgBouncer does not answer, then pgbouncer_up is 0 and no pool is exported', async () => {
    const nowhere = await startPgBouncerExporter({
      adminUrl: `postgresql://headroom_stats:x@127.0.0.1:${await freePort()}/pgbouncer`,
      host: '127.0.0.1',
      port: 0,
    });
    try {
      expect([...(await scrape(nowhere.url))]).toEqual([['pgbouncer_up', 0]]);
    } finally {
      await nowhere.close();
    }
  });
});
