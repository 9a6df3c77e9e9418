// One scenario run, start to finish, as a function: set-up against the API, the plan's phases
// through autocannon, then the results (RunResults) with the CPU each part of the stack used
// while the load ran. run.ts (npm run loadtest) and the capacity harness (capacity/) call it.
import { loadFixtures } from './autocannon/fixtures.ts';
import { runPlan } from './autocannon/run-plan.ts';
import { type CpuSnapshot, cpuSnapshot, cpuUsage } from './capacity/process-cpu.ts';
import { describeMachine, RESULTS_FORMAT, type RunResults } from './results.ts';
import { type PlanOptions, planScenario, type ScenarioName } from './scenarios.ts';
import { createRecorder } from './stats.ts';

export interface ScenarioRun {
  scenario: ScenarioName;
  baseUrl: string;
  plan: PlanOptions;
  params: Record<string, string>;
  /** Smoke runs only: the largest error rate that passes. */
  maxErrorRate?: number;
  /** What the machine was doing before the run (capacity/process-cpu.ts waitForQuiet). */
  conditions?: RunResults['conditions'];
  log: (line: string) => void;
}

export async function runScenario(run: ScenarioRun): Promise<RunResults> {
  const { scenario, baseUrl, log } = run;
  const smoke = run.plan.smoke ?? false;
  const plan = planScenario(scenario, run.plan);

  log(`${scenario} against ${baseUrl}${smoke ? ' (smoke)' : ''}`);
  const fixtures = await loadFixtures(baseUrl, plan);
  log(
    `set-up: ${fixtures.catalog.slugs.length} slugs, ${fixtures.catalog.tags.length} tags, ${fixtures.sessions.length} users logged in`,
  );

  const recorder = createRecorder();
  const cpuBefore = trySnapshot();
  const startedAt = new Date();
  await runPlan({ plan, fixtures, baseUrl, recorder, log });
  const finishedAt = new Date();
  const cpuAfter = trySnapshot();

  const measured = recorder.summarize(
    new Map(plan.phases.map((phase) => [phase.name, phase.seconds])),
  );
  const maxErrorRate = run.maxErrorRate ?? 0;
  const passed = smoke
    ? measured.overall.requests > 0 && measured.errorRate <= maxErrorRate
    : undefined;
  return {
    format: RESULTS_FORMAT,
    scenario,
    tool: 'autocannon',
    baseUrl,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    smoke,
    params: run.params,
    machine: describeMachine(),
    phases: plan.phases,
    fixtures: {
      slugs: fixtures.catalog.slugs.length,
      tags: fixtures.catalog.tags.length,
      sessions: fixtures.sessions.length,
    },
    overall: measured.overall,
    endpoints: measured.endpoints,
    phaseSummaries: measured.phases,
    timeline: measured.timeline,
    statusCodes: measured.statusCodes,
    connectionErrors: measured.connectionErrors,
    timeouts: measured.timeouts,
    errorRate: measured.errorRate,
    ...(cpuBefore && cpuAfter ? { cpu: cpuUsage(cpuBefore, cpuAfter) } : {}),
    ...(run.conditions ? { conditions: run.conditions } : {}),
    ...(passed === undefined ? {} : { maxErrorRate, passed }),
  };
}

/** CPU accounting reads /proc: on a machine without it, a run simply has no `cpu`. */
function trySnapshot(): CpuSnapshot | undefined {
  try {
    return cpuSnapshot();
  } catch {
    return undefined;
  }
}
