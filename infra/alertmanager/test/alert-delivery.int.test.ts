// End to end: an API whose Postgres stops under light load fails its requests, Prometheus
// fires ApiHighErrorRate (the rule from infra/prometheus/alerts.yml), Alertmanager (configured
// from infra/alertmanager/native.yml.template) posts it to the alert sink, and once Postgres
// is back the resolution arrives too. Everything is private to this file: its own Postgres,
// API process, Prometheus, Alertmanager and sink, on free ports; never the native stack.
//
// Time is compressed through settings, and only through them: Prometheus scrapes and evaluates
// every second; the rule's 2-minute rate window and 2-minute `for` become RATE_WINDOW and
// FOR_DURATION (its expression and threshold are otherwise the file's); Alertmanager's
// group_wait and group_interval are 1 s. In production the same path takes about 4-5 minutes
// (2 min of window, 2 min of `for`, 10 s of group_wait).
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations } from '@headroom/db/migrate';
import { apiTestEnv } from '@headroom/testing/api-env';
import { type PrivatePostgres, startPrivatePrimary } from '@headroom/testing/postgres-replica';
import { type ApiProcess, freePort, repoRoot, startApiProcess } from '@headroom/testing/processes';
import {
  type PrometheusProcess,
  type ServerProcess,
  startPrometheus,
  startServerProcess,
  waitFor,
  waitUntilServing,
} from '@headroom/testing/prometheus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type AlertSink, type Notification, startAlertSink } from '../alert-sink.ts';

const ALERT = 'ApiHighErrorRate';
const SCRAPE_AND_EVALUATION_INTERVAL = '1s';
const RATE_WINDOW = '10s';
const FOR_DURATION = '5s';
/**
 * The stated delivery time with the settings above: a failing request is counted at the next
 * scrape (1 s), the rate crosses 1% within a second or two, `for` adds 5 s, group_wait 1 s.
 * About 10 s is expected; the bound leaves room for a loaded 2-core machine.
 */
const DELIVERY_DEADLINE_MS = 45_000;
/** Light load: one request every 50 ms, 20 requests a second. */
const LOAD_INTERVAL_MS = 50;

/** The rule as alerts.yml has it, with its windows and `for` shortened (and nothing else). */
async function compressedRule(): Promise<Record<string, unknown>> {
  const file = parse(await readFile(join(repoRoot, 'infra/prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { alert?: string; expr: string; for?: string }[] }[];
  };
  const rule = file.groups.flatMap((group) => group.rules).find((r) => r.alert === ALERT);
  if (!rule) throw new Error(`${ALERT} is not in alerts.yml`);
  expect(rule.for).toBe('2m');
  expect(rule.expr.match(/\[2m\]/g)).toHaveLength(2);
  return { ...rule, expr: rule.expr.replaceAll('[2m]', `[${RATE_WINDOW}]`), for: FOR_DURATION };
}

function isAbout(status: Notification['status']) {
  return (notification: Notification) =>
    notification.status === status &&
    notification.alerts.some((alert) => alert.labels.alertname === ALERT);
}

async function within<Value>(promise: Promise<Value>, ms: number, what: string): Promise<Value> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let dir: string;
let primary: PrivatePostgres;
let api: ApiProcess;
let sink: AlertSink;
let alertmanager: ServerProcess;
let prometheus: PrometheusProcess;
let loading = true;
let load: Promise<void>;
const statuses: number[] = [];
let loadStartedAt = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-alerts-'));
  primary = await startPrivatePrimary();
  await applyMigrations({ databaseUrl: primary.url });
  // No application cache: every read goes to Postgres, so its outage shows in every request.
  api = await startApiProcess(apiTestEnv({ DATABASE_URL: primary.url, CACHE_REDIS_URL: '' }));

  sink = await startAlertSink({ port: await freePort(), file: join(dir, 'notifications.jsonl') });
  const alertmanagerPort = await freePort();
  const template = await readFile(join(repoRoot, 'infra/alertmanager/native.yml.template'), 'utf8');
  const settings: Record<string, string> = {
    ALERT_SINK_URL: sink.url,
    ALERTMANAGER_GROUP_WAIT: '1s',
    ALERTMANAGER_GROUP_INTERVAL: '1s',
    ALERTMANAGER_REPEAT_INTERVAL: '1h',
  };
  await writeFile(
    join(dir, 'alertmanager.yml'),
    template.replace(/\$\{(\w+)\}/g, (_, name: string) => settings[name] ?? ''),
  );
  alertmanager = startServerProcess('prometheus-alertmanager', [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
    `--storage.path=${join(dir, 'alertmanager')}`,
    '--cluster.listen-address=',
  ]);

  await waitUntilServing(`http://127.0.0.1:${alertmanagerPort}/-/ready`, alertmanager);
  // The objectives' recording rules too, unchanged: the run's record shows their burn rate.
  await copyFile(join(repoRoot, 'infra/prometheus/slo.yml'), join(dir, 'slo.yml'));
  await writeFile(
    join(dir, 'rules.yml'),
    stringify({ groups: [{ name: 'delivery-test', rules: [await compressedRule()] }] }),
  );
  await writeFile(
    join(dir, 'prometheus.yml'),
    stringify({
      global: {
        scrape_interval: SCRAPE_AND_EVALUATION_INTERVAL,
        evaluation_interval: SCRAPE_AND_EVALUATION_INTERVAL,
      },
      alerting: {
        alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }],
      },
      rule_files: ['rules.yml', 'slo.yml'],
      scrape_configs: [
        { job_name: 'api', static_configs: [{ targets: [new URL(api.metricsUrl).host] }] },
      ],
    }),
  );
  prometheus = await startPrometheus({
    configFile: join(dir, 'prometheus.yml'),
    dataDir: join(dir, 'prometheus'),
  });

  loadStartedAt = Date.now();
  load = (async () => {
    while (loading) {
      const response = await fetch(`${api.baseUrl}/api/articles?limit=5`).catch(() => undefined);
      statuses.push(response?.status ?? 0);
      await response?.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, LOAD_INTERVAL_MS));
    }
  })();
}, 120_000);

afterAll(async () => {
  loading = false;
  await load;
  await prometheus?.stop();
  await alertmanager?.stop();
  await sink?.close();
  await api?.stop();
  await primary?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The values of a query's series, now. */
async function query(promql: string): Promise<number[]> {
  const result = await prometheus.query(promql);
  if (result.status !== 'success') throw new Error(`${promql}: ${result.error}`);
  return result.series.map(({ value }) => value);
}

/**
 * Where the run's record goes: the error ratio, the alert's state and the availability burn
 * rate, second by second, with the moments Postgres stopped and started and the sink heard.
 * infra/alertmanager/plot-alert-run.ts draws docs/img/alert-run-*.svg from it.
 */
const RUN_RECORD_FILE = join(repoRoot, '.local/observability/alert-run.json');
const RECORDED_SERIES = {
  errorRatio: `(sum(rate(http_server_request_duration_seconds_count{status_code=~"5.."}[${RATE_WINDOW}])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count[${RATE_WINDOW}]))`,
  alertState: `ALERTS{alertname="${ALERT}"}`,
  burnRate5m:
    'slo:sli_error:ratio_rate5m{slo="api-availability"} / on (slo) group_left () slo:error_budget:ratio',
  burnRate1h:
    'slo:sli_error:ratio_rate1h{slo="api-availability"} / on (slo) group_left () slo:error_budget:ratio',
};

async function recordRun(moments: Record<string, number>) {
  const series: Record<string, { labels: Record<string, string>; points: [number, number][] }[]> =
    {};
  for (const [name, promql] of Object.entries(RECORDED_SERIES)) {
    const range = new URLSearchParams({
      query: promql,
      start: String(loadStartedAt / 1000),
      end: String(Date.now() / 1000),
      step: '1',
    });
    const response = await fetch(`${prometheus.url}/api/v1/query_range?${range}`);
    const body = (await response.json()) as {
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    series[name] = body.data.result.map(({ metric, values }) => ({
      labels: metric,
      points: values.map(([time, value]) => [time * 1000 - loadStartedAt, Number(value)]),
    }));
  }
  const since = Object.fromEntries(
    Object.entries(moments).map(([name, at]) => [name, at - loadStartedAt]),
  );
  await mkdir(join(RUN_RECORD_FILE, '..'), { recursive: true });
  await writeFile(
    RUN_RECORD_FILE,
    JSON.stringify(
      {
        recordedAt: new Date().toISOString(),
        settings: { RATE_WINDOW, FOR_DURATION, SCRAPE_AND_EVALUATION_INTERVAL },
        momentsMs: since,
        series,
      },
      null,
      2,
    ),
  );
}

/** What each part saw, for a failure message: the API's answers, Prometheus' alert, the sink. */
async function diagnosis(since: number): Promise<string> {
  const counts = new Map<number, number>();
  for (const status of statuses.slice(since)) counts.set(status, (counts.get(status) ?? 0) + 1);
  const alerts = await fetch(`${prometheus.url}/api/v1/alerts`).then((r) => r.text());
  const apiState = api.child.exitCode === null ? 'running' : `exited ${api.child.exitCode}`;
  return `API (${apiState}, last output: ${api.output().slice(-1500)}) answers since: ${JSON.stringify([...counts])}; Prometheus alerts: ${alerts}; sink: ${JSON.stringify(sink.notifications())}`;
}

describe('alert delivery (Prometheus -> Alertmanager -> sink)', () => {
  it('when the API serves its load without errors, then the error alert stays quiet', async () => {
    // Once Prometheus counts requests over the rule's whole window, the rule finds nothing.
    await waitFor('requests counted over a full rate window', async () => {
      const [rate] = await query(
        `sum(rate(http_server_request_duration_seconds_count[${RATE_WINDOW}] offset ${RATE_WINDOW}))`,
      );
      return rate !== undefined && rate > 0 ? rate : undefined;
    });
    const rule = await compressedRule();
    expect(await query(String(rule.expr))).toEqual([]);
    expect(await query(`ALERTS{alertname="${ALERT}"}`)).toEqual([]);
    expect(sink.notifications()).toEqual([]);
  }, 60_000);

  it(
    'when Postgres stops under load, then the error alert reaches the sink within the stated time, and its resolution once Postgres is back',
    async () => {
      const firing = sink.next(isAbout('firing'));
      const failuresFrom = statuses.length;
      const stoppedAt = Date.now();
      await primary.stop('immediate');
      const fired = await within(firing, DELIVERY_DEADLINE_MS, `${ALERT} firing at the sink`).catch(
        async (error: Error) => {
          throw new Error(`${error.message}; ${await diagnosis(failuresFrom)}`);
        },
      );
      const firedAfterMs = Date.now() - stoppedAt;
      const duringOutage = statuses.slice(failuresFrom);
      expect(
        duringOutage.filter((status) => status >= 500).length / duringOutage.length,
      ).toBeGreaterThan(0.01);
      expect(fired.alerts.find((alert) => alert.labels.alertname === ALERT)?.labels.severity).toBe(
        'page',
      );

      const resolved = sink.next(isAbout('resolved'));
      const restartedAt = Date.now();
      await primary.start();
      await within(resolved, DELIVERY_DEADLINE_MS, `${ALERT} resolved at the sink`);
      const resolvedAfterMs = Date.now() - restartedAt;
      expect(statuses.at(-1)).toBe(200);
      await recordRun({
        stoppedAt,
        firedAt: stoppedAt + firedAfterMs,
        restartedAt,
        resolvedAt: restartedAt + resolvedAfterMs,
      });
      console.info(
        `${ALERT}: firing at the sink ${firedAfterMs} ms after Postgres stopped, resolved ${resolvedAfterMs} ms after it started again (bound ${DELIVERY_DEADLINE_MS} ms each)`,
      );
    },
    3 * DELIVERY_DEADLINE_MS,
  );
});
