// One scenario run, start to finish, as a function: set-up against the API, the plan's phases
// through autocannon, then the results (RunResults) with the CPU each part of the stack used
// while the load ran. run.ts (npm run loadtest) and the capacity harness (capacity/) call it;
// measurePlan is the part after set-up, for scripts that set up once and run many plans.
import { loadFixtures } from './autocannon/fixtures.ts';
import { runPlan } from './autocannon/run-plan.ts';
import { type CpuSnapshot, cpuSnapshot, cpuUsage } from './capacity/process-cpu.ts';
import { describeMachine, RESULTS_FORMAT, type RunResults } from './results.ts';
import {
  type Fixtures,
  type PlanOptions,
  planScenario,
  type ScenarioName,
  type ScenarioPlan,
} from './scenarios.ts';
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
  /** The native stack whose parts' CPU is counted (default this checkout's). */
  stackDir?: string;
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
  return measurePlan({ ...run, plan, fixtures, smoke });
}

export interface PlanMeasurement {
  plan: ScenarioPlan;
  fixtures: Fixtures;
  baseUrl: string;
  params: Record<string, string>;
  smoke: boolean;
  maxErrorRate?: number | undefined;
  conditions?: RunResults['conditions'] | undefined;
  stackDir?: string | undefined;
  log: (line: string) => void;
}

/** Runs a plan against fixtures already set up, and measures it. */
export async function measurePlan(run: PlanMeasurement): Promise<RunResults> {
  const { plan, fixtures, baseUrl, smoke, log } = run;
  const recorder = createRecorder();
  const cpuBefore = trySnapshot(run.stackDir);
  const startedAt = new Date();
  await runPlan({ plan, fixtures, baseUrl, recorder, log });
  const finishedAt = new Date();
  const cpuAfter = trySnapshot(run.stackDir);

  const measured = recorder.summarize(
    new Map(plan.phases.map((phase) => [phase.name, phase.seconds])),
  );
  const maxErrorRate = run.maxErrorRate ?? 0;
  const passed = smoke
    ? measured.overall.requests > 0 && measured.errorRate <= maxErrorRate
    : undefined;
  return {
    format: RESULTS_FORMAT,
    scenario: plan.scenario,
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
    cacheStatuses: measured.cacheStatuses,
    connectionErrors: measured.connectionErrors,
    timeouts: measured.timeouts,
    errorRate: measured.errorRate,
    ...(cpuBefore && cpuAfter ? { cpu: cpuUsage(cpuBefore, cpuAfter) } : {}),
    ...(run.conditions ? { conditions: run.conditions } : {}),
    ...(passed === undefined ? {} : { maxErrorRate, passed }),
  };
}

/** CPU accounting reads /proc: on a machine without it, a run simply has no `cpu`. */
function trySnapshot(stackDir: string | undefined): CpuSnapshot | undefined {
  try {
    return cpuSnapshot(stackDir === undefined ? {} : { stackDir });
  } catch {
    return undefined;
  }
}
