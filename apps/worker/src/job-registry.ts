// How a job file declares its handler, and the start-up check that every job in the contract
// has exactly one: a job nobody handles would pile up silently, and two handlers for one job
// would make which one runs an accident of import order.
import { type JobName, type JobPayload, jobNames } from '@headroom/jobs/contract';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

export interface JobContext<Name extends JobName> {
  payload: JobPayload<Name>;
  /** The BullMQ job: its id, and `updateData` to record progress a retry resumes from. */
  job: Job<JobPayload<Name>, void, Name>;
  log: Logger;
}

export interface JobHandler<Name extends JobName = JobName> {
  name: Name;
  handle: (context: JobContext<Name>) => Promise<void>;
}

export function defineJob<Name extends JobName>(
  name: Name,
  handle: (context: JobContext<Name>) => Promise<void>,
): JobHandler<Name> {
  return { name, handle };
}

export type JobRegistry = { [Name in JobName]: JobHandler<Name> };
/** A handler for any one job: the union of each job's handler type. */
export type AnyJobHandler = JobRegistry[JobName];

export class JobRegistryError extends Error {}

export function buildJobRegistry(handlers: AnyJobHandler[]): JobRegistry {
  const problems: string[] = [];
  for (const name of jobNames) {
    const count = handlers.filter((handler) => handler.name === name).length;
    if (count === 0) problems.push(`${name}: no handler`);
    if (count > 1) problems.push(`${name}: ${count} handlers`);
  }
  for (const handler of handlers) {
    if (!jobNames.includes(handler.name))
      problems.push(`${handler.name}: not a job in the contract`);
  }
  if (problems.length > 0) {
    throw new JobRegistryError(
      `Job handlers do not match the contract:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return Object.fromEntries(handlers.map((handler) => [handler.name, handler])) as JobRegistry;
}
