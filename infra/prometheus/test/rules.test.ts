// The alerting and recording rules checked by Prometheus' own tool: `promtool check rules`
// (syntax, PromQL, templates) and `promtool test rules` (each alert fires on a series built to
// fire it and stays quiet on one built to stay quiet; the cases are in the *.test.yml files
// here). promtool comes with Debian's prometheus package, which the native set-up and CI install
// (missing_topology_packages in infra/native/lib.sh).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const rulesDir = fileURLToPath(new URL('..', import.meta.url));
const testsDir = fileURLToPath(new URL('.', import.meta.url));
const ruleFiles = ['alerts.yml', 'slo.yml'];
const ruleTestFiles = ['rules.test.yml', 'slo-slow-burn.test.yml'];
/** promtool evaluates every rule at every step of a simulated day: seconds, not milliseconds. */
const PROMTOOL_TIMEOUT_MS = 120_000;

type RuleFile = { groups: { rules: { alert?: string }[] }[] };
type RuleTestFile = {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
};

function readYaml<Shape>(path: string): Shape {
  return parse(readFileSync(path, 'utf8')) as Shape;
}

function promtool(args: string[], cwd: string) {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: PROMTOOL_TIMEOUT_MS });
  if (run.error) throw new Error(`promtool ${args.join(' ')}: ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Prometheus rules (infra/prometheus)', () => {
  it.each(ruleFiles)('when promtool checks %s, then it finds no error', (file) => {
    const { status, output } = promtool(['check', 'rules', file], rulesDir);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it.each(ruleTestFiles)(
    'when promtool runs the cases in %s, then every alert fires or stays quiet as written',
    (file) => {
      const { status, output } = promtool(['test', 'rules', file], testsDir);
      expect(status, output).toBe(0);
    },
    PROMTOOL_TIMEOUT_MS,
  );

  it('when the cases are listed, then every alert has one where it fires and one where it stays quiet', () => {
    const alerts = ruleFiles.flatMap((file) =>
      readYaml<RuleFile>(`${rulesDir}/${file}`).groups.flatMap((group) =>
        group.rules.flatMap((rule) => rule.alert ?? []),
      ),
    );
    const checks = ruleTestFiles.flatMap((file) =>
      readYaml<RuleTestFile>(`${testsDir}/${file}`).tests.flatMap(
        (test) => test.alert_rule_test ?? [],
      ),
    );
    const fires = new Set(checks.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    const quiet = new Set(checks.filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname));
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.filter((alert) => !fires.has(alert))).toEqual([]);
    expect(alerts.filter((alert) => !quiet.has(alert))).toEqual([]);
  });

  it('when a case expects the wrong outcome, then promtool fails it (the tests can fail)', () => {
    const { status, output } = promtool(
      ['test', 'rules', 'fixtures/wrong-expectation.test.yml'],
      testsDir,
    );
    expect(output).toContain('FAILED');
    expect(status).not.toBe(0);
  });
});
