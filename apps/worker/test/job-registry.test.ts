// The start-up check that refuses to run a worker whose handlers do not match the contract:
// a job nobody handles would pile up silently; two handlers would make the one that runs an
// accident of import order.
import { type JobName, jobNames } from '@headroom/jobs/contract';
import { describe, expect, it } from 'vitest';
import {
  type AnyJobHandler,
  buildJobRegistry,
  defineJob,
  JobRegistryError,
} from '../src/job-registry.ts';

const handlerFor = (name: JobName) => defineJob(name, async () => {}) as AnyJobHandler;
const oneEach = () => jobNames.map(handlerFor);

describe('buildJobRegistry', () => {
  it('when every job has exactly one handler, then each job name maps to its handler', () => {
    const handlers = oneEach();
    const registry = buildJobRegistry(handlers);
    expect(Object.keys(registry).sort()).toEqual([...jobNames].sort());
    for (const handler of handlers) expect(registry[handler.name]).toBe(handler);
  });

  it('when a job has no handler, then it refuses and names the job', () => {
    const handlers = oneEach().filter((handler) => handler.name !== 'send-email');
    expect(() => buildJobRegistry(handlers)).toThrow(JobRegistryError);
    expect(() => buildJobRegistry(handlers)).toThrow('send-email: no handler');
  });

  it('when a job has two handlers, then it refuses and names the job and the count', () => {
    const handlers = [...oneEach(), handlerFor('render-article')];
    expect(() => buildJobRegistry(handlers)).toThrow('render-article: 2 handlers');
  });

  it('when a handler is for a job the contract does not have, then it refuses and names it', () => {
    const stray = { name: 'resize-avatar', handle: async () => {} } as unknown as AnyJobHandler;
    expect(() => buildJobRegistry([...oneEach(), stray])).toThrow(
      'resize-avatar: not a job in the contract',
    );
  });

  it('when several things are wrong, then one error lists every one of them', () => {
    const handlers = [
      ...oneEach().filter((handler) => handler.name !== 'prune-old-rows'),
      handlerFor('fan-out-notifications'),
    ];
    expect(() => buildJobRegistry(handlers)).toThrow(
      'Job handlers do not match the contract:\n  - fan-out-notifications: 2 handlers\n  - prune-old-rows: no handler',
    );
  });
});
