// One trace id from request to effect: the API stores the request's trace context on the
// outbox row, the relay adds the jobs inside that context, BullMQ carries it in the job, and
// the worker's processing spans join the trace. Both processes export OTLP/JSON to a stand-in
// collector, as a real deployment exports to its collector. The relay's own polling, which
// finds nothing most of the time, starts no trace.

import { setTimeout as delay } from 'node:timers/promises';
import {
  type ExportedSpan,
  type OtlpCollector,
  otlpEnv,
  startOtlpCollector,
} from '@headroom/testing/otlp-collector';
import {
  type ApiProcess,
  startApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '@headroom/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conduitClient } from './support/conduit-http.ts';
import { apiEnv, createTestStack, type TestStack, workerEnv } from './support/test-stack.ts';

let collector: OtlpCollector;
let stack: TestStack;
let api: ApiProcess;
let worker: WorkerProcess;

beforeAll(async () => {
  collector = await startOtlpCollector();
  stack = await createTestStack('trace');
  [api, worker] = await Promise.all([
    startApiProcess(apiEnv(stack, otlpEnv(collector, 'headroom-api-test'))),
    startWorkerProcess(workerEnv(stack, otlpEnv(collector, 'headroom-worker-test'))),
  ]);
});
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await stack?.close();
  await collector?.close();
});

describe('trace continuity', () => {
  it('when an article is published, then the API request and the worker rendering it share one trace id', async () => {
    const conduit = conduitClient(api.baseUrl);
    const author = await conduit.register('tracer');
    const article = await conduit.publish(author);

    await expect
      .poll(async () => (await conduit.call('GET', `/api/articles/${article.slug}`)).body, {
        timeout: 15_000,
      })
      .toMatchObject({ article: { bodyHtml: expect.any(String) } });

    const requestSpan = () =>
      collector.spans.find(
        (span) =>
          span.service === 'headroom-api-test' &&
          span.scope === '@opentelemetry/instrumentation-http' &&
          span.name === 'POST /api/articles',
      );
    await expect.poll(requestSpan, { timeout: 10_000 }).toBeDefined();
    const traceId = requestSpan()!.traceId;

    // In the worker, the same trace: the relay adding the job as a child of the API span that
    // recorded the event, the worker processing it as a child of the add (the context travels
    // in the job), and the SQL the handler ran beneath that.
    const spansOfTrace = () => collector.spans.filter((span) => span.traceId === traceId);
    const find = (service: string, name: string) =>
      spansOfTrace().find((span) => span.service === service && span.name === name);
    await expect
      .poll(() => find('headroom-worker-test', 'process render-article'), { timeout: 10_000 })
      .toBeDefined();
    const added = find('headroom-worker-test', 'add render-article.render-article');
    const processed = find('headroom-worker-test', 'process render-article')!;
    expect(added?.scope).toBe('headroom-worker');
    const recordedBy = spansOfTrace().find((span) => span.spanId === added?.parentSpanId);
    expect(recordedBy?.service).toBe('headroom-api-test');
    expect(processed.parentSpanId).toBe(added?.spanId);

    const descendsFrom = (span: ExportedSpan, ancestor: ExportedSpan): boolean => {
      const parent = spansOfTrace().find((candidate) => candidate.spanId === span.parentSpanId);
      return parent !== undefined && (parent === ancestor || descendsFrom(parent, ancestor));
    };
    await expect
      .poll(() =>
        spansOfTrace().some(
          (span) =>
            span.service === 'headroom-worker-test' &&
            span.name.startsWith('pg.query:UPDATE') &&
            descendsFrom(span, processed),
        ),
      )
      .toBe(true);
  });

  it('when the outbox is empty, then the relay polls without exporting a trace of its own', async () => {
    // An absence needs a window: 20 rounds of the test stack's 100 ms poll (OUTBOX_POLL_INTERVAL_MS
    // in support/test-stack.ts) and a few of the exporter's 100 ms flushes. Before the relay ran
    // untraced, a window this long exported about 20 traces of a dozen spans each.
    const markerSpans = collector.spans.length;
    await delay(2_000);
    const newSpans = collector.spans.slice(markerSpans);
    const relayRoots = newSpans.filter(
      (span) =>
        span.service === 'headroom-worker-test' &&
        span.parentSpanId === '' &&
        (span.scope === 'prisma' || span.scope.startsWith('@opentelemetry/instrumentation-pg')),
    );
    expect(relayRoots).toEqual([]);
  });
});
