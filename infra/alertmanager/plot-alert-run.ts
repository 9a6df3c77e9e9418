// `node --import tsx infra/alertmanager/plot-alert-run.ts`: draws docs/img/alert-run-error-alert.svg
// and docs/img/alert-run-burn-rate.svg from the record the end-to-end alert test writes
// (.local/observability/alert-run.json, see alert-delivery.int.test.ts): what Prometheus saw
// second by second while Postgres was stopped and started again under load.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderLineChart } from '../../load-tests/svg-charts.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The fast burn's page threshold over 1 hour with 5 minutes (slo.yml). */
const FAST_BURN = 14.4;

interface RunRecord {
  recordedAt: string;
  settings: Record<string, string>;
  momentsMs: { stoppedAt: number; firedAt: number; restartedAt: number; resolvedAt: number };
  series: Record<string, { labels: Record<string, string>; points: [number, number][] }[]>;
}

const record = JSON.parse(
  await readFile(`${repoRoot}.local/observability/alert-run.json`, 'utf8'),
) as RunRecord;
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const points = (
  name: string,
  scale = 1,
  filter: (labels: Record<string, string>) => boolean = () => true,
) =>
  (record.series[name] ?? [])
    .filter(({ labels }) => filter(labels))
    .flatMap(({ points: values }) => values.map(([x, y]) => ({ x: seconds(x), y: y * scale })));
const { stoppedAt, firedAt, resolvedAt } = record.momentsMs;
const { RATE_WINDOW, FOR_DURATION, SCRAPE_AND_EVALUATION_INTERVAL } = record.settings;
const moments = `Postgres down from ${seconds(stoppedAt)} s; the sink got firing at ${seconds(firedAt)} s (Postgres restarted then), resolved at ${seconds(resolvedAt)} s`;

const firing = points('alertState', 1, (labels) => labels.alertstate === 'firing');
const pending = points('alertState', 0.5, (labels) => labels.alertstate === 'pending');
await writeFile(
  `${repoRoot}docs/img/alert-run-error-alert.svg`,
  renderLineChart({
    title: `ApiHighErrorRate end to end (scrape ${SCRAPE_AND_EVALUATION_INTERVAL}, rate ${RATE_WINDOW}, for ${FOR_DURATION})`,
    subtitle: moments,
    xLabel: 'seconds since the load started',
    unit: '% of requests 5xx',
    series: [
      { name: '5xx share (the rule before its 1% threshold)', points: points('errorRatio', 100) },
    ],
    background: {
      name: 'alert',
      unit: 'alert: 1 firing, 0.5 pending',
      points: [...pending, ...firing],
    },
  }),
);
await writeFile(
  `${repoRoot}docs/img/alert-run-burn-rate.svg`,
  renderLineChart({
    title: 'api-availability: burn rate (slo.yml as written), same run',
    subtitle: moments,
    xLabel: 'seconds since the load started',
    unit: 'x budget',
    series: [
      { name: 'over 5 min', points: points('burnRate5m') },
      {
        name: 'over 1 h (the same here: the run is shorter)',
        points: points('burnRate1h'),
      },
      {
        name: `page at ${FAST_BURN}`,
        points: points('burnRate5m').map(({ x }) => ({ x, y: FAST_BURN })),
      },
    ],
  }),
);
console.log('wrote docs/img/alert-run-error-alert.svg and docs/img/alert-run-burn-rate.svg');
