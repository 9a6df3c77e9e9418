// One BullMQ Worker per queue, each running that queue's handler with its own concurrency.
// Around every handler: the payload is checked against the contract (an invalid one is not
// retried), the duration and outcome are measured, and a job on its last attempt that fails
// is filed in the dead-letter queue before BullMQ marks it failed. A job BullMQ fails without
// running the handler (one that stalled more often than allowed: it took its workers down)
// is filed when BullMQ reports the failure.
import { type JobName, jobs as jobSchemas } from '@headroom/jobs/contract';
import {
  type ConnectionOptions,
  type Job,
  type Telemetry,
  UnrecoverableError,
  Worker,
} from 'bullmq';
import type { Logger } from 'pino';
import { Value } from 'typebox/value';
import type { DeadLetterQueue } from './dead-letter.ts';
import type { JobRegistry } from './job-registry.ts';
import type { WorkerMetrics } from './metrics.ts';

export interface QueueSettings {
  concurrency: number;
  /** At most `max` jobs per `durationMs`, across every worker of the queue. */
  limiter?: { max: number; durationMs: number };
}

export function runWorkers(deps: {
  registry: JobRegistry;
  settings: { [Name in JobName]: QueueSettings };
  connection: ConnectionOptions;
  prefix: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  deadLetters: DeadLetterQueue;
  metrics: WorkerMetrics;
  log: Logger;
  telemetry?: Telemetry | undefined;
}): Worker[] {
  /** Failures the handler wrapper below saw, and so already counted and filed. */
  const seenByWrapper = new WeakSet<Error>();
  return (Object.keys(deps.registry) as JobName[]).map((name) => {
    const handler = deps.registry[name];
    const settings = deps.settings[name];
    const processJob = async (job: Job) => {
      const log = deps.log.child({ queue: name, jobId: job.id, attempt: job.attemptsMade + 1 });
      const stopTimer = deps.metrics.jobDuration.startTimer({ queue: name });
      try {
        if (!Value.Check(jobSchemas[name], job.data)) {
          const problems = Value.Errors(jobSchemas[name], job.data).map(
            (error) => `${error.instancePath || '/'} ${error.message}`,
          );
          throw new UnrecoverableError(`invalid payload: ${problems.join('; ')}`);
        }
        await (handler.handle as (context: unknown) => Promise<void>)({
          payload: job.data,
          job,
          log,
        });
        stopTimer({ outcome: 'completed' });
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        seenByWrapper.add(failure);
        const final =
          failure instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        stopTimer({ outcome: final ? 'dead-lettered' : 'retried' });
        deps.metrics.jobFailures.inc({ queue: name, final: String(final) });
        log.warn(
          { err: failure, final },
          final ? 'job failed for good; dead-lettered' : 'job failed; will retry',
        );
        if (final) {
          // A letter that cannot be filed is logged, and the job still fails with its own
          // error: a filing error thrown here would replace it and reach the 'failed' handler
          // below as a second, different failure.
          await deps.deadLetters.add(job, failure).catch((cause: unknown) => {
            log.error({ err: cause, jobError: failure.message }, 'could not dead-letter a job');
          });
        }
        throw failure;
      }
    };
    const worker = new Worker(name, processJob, {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: settings.concurrency,
      lockDuration: deps.lockDurationMs,
      stalledInterval: deps.stalledIntervalMs,
      ...(settings.limiter && {
        limiter: { max: settings.limiter.max, duration: settings.limiter.durationMs },
      }),
      ...(deps.telemetry && { telemetry: deps.telemetry }),
    });
    worker.on('failed', (job, error) => {
      if (!job || seenByWrapper.has(error)) return;
      deps.metrics.jobFailures.inc({ queue: name, final: 'true' });
      deps.log.warn(
        { err: error, queue: name, jobId: job.id },
        'job failed without running; dead-lettered',
      );
      // BullMQ has counted this failure already (unlike in the wrapper above).
      deps.deadLetters.add(job, error, job.attemptsMade).catch((cause: unknown) => {
        deps.log.error({ err: cause, queue: name, jobId: job.id }, 'could not dead-letter a job');
      });
    });
    return worker;
  });
}
