// The relay learns when a deduplication window closes from the job that holds it: the time its
// event was recorded, read from the UUIDv7 event id at the start of the job id. Any other id
// teaches it nothing, so it asks Redis as before.
import { uuidv7 } from '@headroom/jobs/record-event';
import { describe, expect, it } from 'vitest';
import { recordedAt } from '../src/outbox-relay.ts';

describe('recordedAt', () => {
  it('when a job id starts with a UUIDv7 event id, then it gives the millisecond the id was made', () => {
    const before = Date.now();
    const id = `${uuidv7()}.send-email`;
    const after = Date.now();
    const time = recordedAt(id) as number;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
  });

  it('when a job id has another UUID version, or none, then it gives nothing', () => {
    expect(recordedAt(`${crypto.randomUUID()}.send-email`)).toBeUndefined();
    expect(recordedAt('repeat:recompute-trending-tags:1796469861000')).toBeUndefined();
    expect(recordedAt(undefined)).toBeUndefined();
  });
});
